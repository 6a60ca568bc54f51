# QR tokens (orgs.models.PostQrToken) are listed in the orgs admin, next to the posts they belong to;
# rotating one is a rule-bearing write (qr.services.qr_token_rotate), done through the API, not here.
