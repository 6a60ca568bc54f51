"""Forms of the supervisor pages parsed by the API's input serializers: the same shape rules as the API,
the first error as an application error naming the field in the page's language."""

from rest_framework.exceptions import ValidationError

from core.errors import ApplicationError


def _first_error(errors) -> tuple[list[str], str]:
    """The path and text of the first error of a serializer's (possibly nested) errors."""
    path = []
    while not isinstance(errors, str):
        if isinstance(errors, dict):
            key, errors = next(iter(errors.items()))
            path.append(str(key))
        else:
            errors = errors[0]
    return path, str(errors)


def api_parse(serializer_class, data: dict, labels: dict, **context) -> dict:
    serializer = serializer_class(data=data, context=context)
    try:
        serializer.is_valid(raise_exception=True)
    except ValidationError:
        path, text = _first_error(serializer.errors)
        names = [labels.get(key, key) for key in path if not key.isdigit()]
        rows = [str(int(key) + 1) for key in path if key.isdigit()]
        where = "".join(f"第 {row} 行" for row in rows) + " ".join(str(n) for n in names)
        field = ".".join(path)
        raise ApplicationError(f"{where}:{text}", field=field) from None
    return serializer.validated_data
