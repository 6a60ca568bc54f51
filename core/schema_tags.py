"""Tags of the OpenAPI schema: no Django imports, settings read OPENAPI_TAGS."""

import re

# The areas of the API as Swagger groups them and generated clients name their modules, in order.
# (name, English name, description); the first pattern matching an operation's path decides.
TAGS = [
    ("认证", "Auth", "登录、令牌刷新与当前用户。Log in, refresh tokens, the current person."),
    (
        "组织",
        "Organisation",
        "行政区划、行业、企业、部门、岗位、人员与批量导入。"
        "Regions, industries, enterprises, departments, posts, members, onboarding.",
    ),
    ("证书", "Certificates", "持证上岗:证书类型与人员证书。Certificate kinds and workers' certificates."),
    (
        "风险分级管控",
        "Risk register",
        "风险点、危险源、LEC/LS 评价与分级、管控措施、四色分布图与风险告知卡。"
        "Risk points, hazard sources, assessments and bands, controls, the four-colour map, notice cards.",
    ),
    ("明白卡", "Cards", "岗位安全生产明白卡、版本与确认。Responsibility cards, versions, acknowledgements."),
    ("二维码", "QR", "岗位二维码、扫码与打印卡片。QR codes, scans and printable card sheets."),
    ("检查", "Checks", "检查表、应检清单、照片与自查自纠档案。Checklists, due checks, photos, the archive."),
    ("隐患", "Hazards", "隐患登记、整改、验收销号与通知。Hazard register, rectification, acceptance, notifications."),
    ("应知应会与演练", "Knowledge and drills", "应知应会抽查与应急演练。Knowledge spot-checks and emergency drills."),
    (
        "报表",
        "Reports",
        "日管控、周排查、月调度与监管统计。Daily reviews, weekly reports, monthly dispatches, statistics.",
    ),
]
TAG_ROUTES = [
    (r"^/api/v1/(auth|me)/", "认证"),
    (r"^/api/v1/(risk-points|hazard-sources|risk-controls)/", "风险分级管控"),
    (r"^/api/v1/enterprises/[^/]+/(risk-|site-plan)", "风险分级管控"),
    (r"^/api/v1/posts/[^/]+/checklists/from-controls/", "检查"),
    (r"^/api/v1/(posts/[^/]+/(qr\.|rotate-qr)|enterprises/[^/]+/cards\.pdf|card-sheets|scan)", "二维码"),
    (r"^/api/v1/posts/[^/]+/card/", "明白卡"),
    (r"^/api/v1/posts/[^/]+/due/", "检查"),
    (r"^/api/v1/(regions|industries|enterprises|departments|posts|members|onboarding)\b", "组织"),
    (r"^/api/v1/certificate", "证书"),
    (r"^/api/v1/cards/", "明白卡"),
    (r"^/api/v1/(templates|inspections|photos)/", "检查"),
    (r"^/api/v1/(hazards|hazard-photos|notifications|judgment-standards|judgment-clauses|hazard-reports)/", "隐患"),
    (r"^/api/v1/(questions|spot-checks|drills)/", "应知应会与演练"),
    (r"^/api/v1/(reviews|reports|dispatches|stats)\b", "报表"),
]
OPENAPI_TAGS = [{"name": name, "description": description, "x-name-en": english} for name, english, description in TAGS]


def tag_of(path: str) -> str:
    for pattern, tag in TAG_ROUTES:
        if re.search(pattern, path):
            return tag
    raise LookupError(f"{path}: no tag in core.schema.TAG_ROUTES")
