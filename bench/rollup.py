#!/usr/bin/env python
"""Benchmark of the regulator statistics on a district-sized archive, on PostgreSQL.

    .venv/bin/python bench/rollup.py                       # 1000 and 10000 enterprises, fresh databases
    .venv/bin/python bench/rollup.py --enterprises 1000 --reuse

Each size has its own database, <name>_<N> (default mingbai_bench_1000 and mingbai_bench_10000), created
(dropped first unless --reuse) by the script.

For each size it builds (once; --reuse keeps what an earlier run built) a region of N enterprises with
10 posts each (90% with a published card), a daily checklist of 10 items on every post, a weekly one on
one post, and July 2024 of daily checks (N x 10 x 31 records, ten results each), hazards from 1% of
them, spot-checks and drills, and beside the district (in a region of its own) one large enterprise of
100 posts built the same way; one record in twenty is off site and flagged. Checks done and records are
counted on the archive heads as inspection_submit does (checklists.tallies); which template applied to
which post since June is in the history (checklists.expected), with one template in fifty re-tiered in
mid-July. Above --results-up-to enterprises (default 1000) the records have no result rows: nothing
timed here reads them, and 31 million of them would only fill the disk (a province: 10000 enterprises,
3.1 million records). Then it times, best and median of several runs after a warm-up:

- the stats endpoint for a regulator of the region (GET /api/v1/stats/ through the real view),
- the month's figures of one enterprise (stats selector with `enterprise`), and
- the monthly dispatch's figures (reports.selectors.period_figures) of an enterprise of 10 posts and of
  the large one,

each against a plain SQL GROUP BY (enterprise, tier) over the same inspection rows, and prints the
ratio and the number of queries. Goals (issue 13): the stats endpoint below 2 x at 1000 enterprises and
1.5 x at 10000, a time that grows no faster than the records, and the same number of queries.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MONTH = "2024-07"
BEIJING = ZoneInfo("Asia/Shanghai")
POSTS, ITEMS, DAYS = 10, 10, 31
LARGE_POSTS = 100  # the one large enterprise built beside each district


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enterprises", type=int, nargs="+", default=[1000, 10000], help="sizes (default 1000 10000)")
    parser.add_argument(
        "--results-up-to", type=int, default=1000, help="build result rows only for sizes up to this (default 1000)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep the database and the sizes already built")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/mingbai_bench")
    parser.add_argument("--runs", type=int, default=9, help="timed runs per measure")
    return parser.parse_args()


def ensure_database(url: str, *, fresh: bool) -> None:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = conninfo_to_dict(url)["dbname"]
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _copy(table: str, columns: list[str], rows) -> int:
    """COPY rows into a table (the fastest bulk insert PostgreSQL has)."""
    from django.db import connection

    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def _reserve_ids(table: str, count: int) -> int:
    """Take `count` ids from the table's sequence at once; returns the first."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), nextval(pg_get_serial_sequence('{table}', "
            f"'id')) + %s - 1) - %s + 1",
            [count, count],
        )
        return cursor.fetchone()[0]


def build(n: int, *, results: bool = True):
    """Build the archive of one size; returns the region. Idempotent per size (region code BENCH<n>)."""
    from django.db import transaction

    from checklists.models import ArchiveHead, Inspection
    from checklists.tallies import rebuild_slot_tallies
    from orgs.models import Person, Region, RegulatorScope

    region = Region.objects.filter(code=f"BENCH{n}").first()
    if region is not None:
        return region
    started = time.perf_counter()
    rng = random.Random(n)
    with transaction.atomic():
        city, _ = Region.objects.get_or_create(code="BENCH", defaults={"name": "基准市"})
        region = Region.objects.create(code=f"BENCH{n}", name=f"基准区{n}", parent=city)
        regulator = Person.objects.create(username=f"bench-regulator-{n}", name="监管员", password="!")
        RegulatorScope.objects.create(person=regulator, region=region)
        built = _populate(region, n, POSTS, rng, results=results)
        # One large enterprise (LARGE_POSTS posts) in a region of its own, outside the district: how the
        # dispatch figures of one enterprise grow with its records.
        large = Region.objects.create(code=f"BENCH{n}L", name=f"基准区{n}大型企业", parent=city)
        built = [a + b for a, b in zip(built, _populate(large, 1, LARGE_POSTS, rng), strict=True)]
        rebuild_slot_tallies(Inspection, ArchiveHead)  # what inspection_submit counts as it stores
    from django.db import connection

    connection.ensure_connection()
    connection.connection.autocommit = True  # VACUUM cannot run inside a transaction
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    inspections, results, failed = built
    print(
        f"built {n} enterprises and a large one: {inspections} inspections, {results} results, {failed} hazards "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return region


def _populate(
    region, n: int, posts_per_enterprise: int, rng: random.Random, *, results: bool = True
) -> tuple[int, int, int]:
    """N enterprises in the region with their posts, cards, templates, a month of checks, hazards,
    spot-checks and drills. Returns the numbers of inspections, results and hazards."""
    from cards.models import Card, CardVersion, Drill, SpotCheck
    from checklists.flags import NO_SCAN_EVENT, flag
    from checklists.models import ArchiveHead, ChecklistItem, ChecklistTemplate, TemplateAssignment, Tier
    from checklists.periods import period_of
    from hazards.models import Hazard
    from orgs.models import Enterprise, Industry, Person, Post
    from tests.factories import make_credit_code

    risky, _ = Industry.objects.get_or_create(code="C26", defaults={"name": "化学制品制造业", "high_risk": True})
    plain, _ = Industry.objects.get_or_create(code="C34", defaults={"name": "通用设备制造业", "high_risk": False})
    offset = Enterprise.objects.count() * 7 + 1000
    enterprises = Enterprise.objects.bulk_create(
        Enterprise(
            name=f"{region.name}企业{i}有限公司",
            credit_code=make_credit_code(offset + i),
            region=region,
            industry=risky if i % 5 == 0 else plain,
        )
        for i in range(n)
    )
    workers = Person.objects.bulk_create(
        Person(username=f"bench-{e.pk}", name=f"作业员{e.pk}", password="!") for e in enterprises
    )
    posts = Post.objects.bulk_create(
        Post(enterprise=e, name=f"岗位{j}", risk_level=rng.choice(["red", "orange", "yellow", "blue"]))
        for e in enterprises
        for j in range(posts_per_enterprise)
    )
    # The posts existed before July (the figures count the posts existing at the month's end).
    Post.objects.filter(enterprise__region=region).update(created_at=datetime(2024, 6, 1, tzinfo=UTC))
    cards = Card.objects.bulk_create(Card(post=p, enterprise_id=p.enterprise_id) for p in posts)
    published = datetime(2024, 6, 1, tzinfo=UTC)
    CardVersion.objects.bulk_create(
        CardVersion(card=c, version=1, content=c.content(), published_at=published) for c in cards if rng.random() < 0.9
    )
    daily = ChecklistTemplate.objects.bulk_create(
        ChecklistTemplate(enterprise=e, name="岗位日检", tier=Tier.DAILY) for e in enterprises
    )
    weekly = ChecklistTemplate.objects.bulk_create(
        ChecklistTemplate(enterprise=e, name="周排查", tier=Tier.WEEKLY) for e in enterprises
    )
    items = ChecklistItem.objects.bulk_create(
        ChecklistItem(template=t, order=k, label=f"检查项{k}") for t in daily for k in range(ITEMS)
    )
    items_of = {}
    for item in items:
        items_of.setdefault(item.template_id, []).append(item)
    through = ChecklistTemplate.posts.through
    posts_of = {}
    for post in posts:
        posts_of.setdefault(post.enterprise_id, []).append(post)
    through.objects.bulk_create(
        [through(checklisttemplate=t, post=p) for t in daily for p in posts_of[t.enterprise_id]]
        + [through(checklisttemplate=t, post=posts_of[t.enterprise_id][0]) for t in weekly]
    )
    # The history a bulk load does not write through the signals (checklists.expected): the templates
    # applied from June; one weekly template in fifty was re-tiered to monthly on 15 July.
    since, switched = datetime(2024, 6, 1, tzinfo=BEIJING), datetime(2024, 7, 15, 12, tzinfo=BEIJING)
    history = [
        TemplateAssignment(enterprise_id=t.enterprise_id, template=t, post=p, tier=t.tier, valid_from=since)
        for t in daily
        for p in posts_of[t.enterprise_id]
    ]
    for i, t in enumerate(weekly):
        post = posts_of[t.enterprise_id][0]
        retiered = i % 50 == 0
        history.append(
            TemplateAssignment(
                enterprise_id=t.enterprise_id,
                template=t,
                post=post,
                tier=Tier.WEEKLY,
                valid_from=since,
                valid_to=switched if retiered else None,
            )
        )
        if retiered:
            history.append(
                TemplateAssignment(
                    enterprise_id=t.enterprise_id, template=t, post=post, tier=Tier.MONTHLY, valid_from=switched
                )
            )
    TemplateAssignment.objects.bulk_create(history, batch_size=5000)
    ChecklistTemplate.objects.filter(pk__in=[t.pk for i, t in enumerate(weekly) if i % 50 == 0]).update(
        tier=Tier.MONTHLY
    )
    worker_of = {e.pk: w.pk for e, w in zip(enterprises, workers, strict=True)}
    template_of = {t.enterprise_id: t for t in daily}

    # The month's daily checks: a few missed (3%), a few late (2%), one in a hundred with a failed item,
    # one in twenty not scanned (off site, flagged no_scan_event; by id, so the draws above stay the same).
    no_scan = json.dumps([flag(NO_SCAN_EVENT, reason="no_scan")], ensure_ascii=False)
    count = len(posts) * DAYS
    first_id = _reserve_ids("checklists_inspection", count)
    results_wanted = results
    results, failed = [], []
    sequence = {}

    def rows():
        # Streamed into COPY: a province is 3.1 million records, too many to hold as tuples.
        next_id = first_id
        for day in range(1, DAYS + 1):
            at = datetime(2024, 7, day, 8, 30, tzinfo=BEIJING)
            period = period_of("daily", at, BEIJING).key
            for post in posts:
                if rng.random() < 0.03:
                    continue
                template = template_of[post.enterprise_id]
                late = rng.random() < 0.02
                received = at + timedelta(days=1) if late else at
                bad = rng.random() < 0.01
                seq = sequence[post.enterprise_id] = sequence.get(post.enterprise_id, 0) + 1
                inspection_id = next_id
                next_id += 1
                off_site = inspection_id % 20 == 0
                yield (
                    (
                        inspection_id,
                        post.enterprise_id,
                        post.pk,
                        template.pk,
                        "daily",
                        period,
                        uuid.uuid4(),
                        at,
                        received,
                        worker_of[post.enterprise_id],
                        not off_site,
                        late,
                        ITEMS - int(bad),
                        int(bad),
                        0,
                        "0" * 64,
                        seq,
                        "",
                        "0" * 64,
                        True,  # first_of_slot: one record per post and day here
                        no_scan if off_site else "[]",
                        off_site,
                    )
                )
                for k, item in enumerate(items_of[template.pk] if results_wanted else ()):
                    outcome = "failed" if bad and k == 0 else "ok"
                    value = '"not_ok"' if outcome == "failed" else '"ok"'
                    results.append((inspection_id, item.pk, item.label, "check", value, outcome, ""))
                if bad:
                    failed.append((post, inspection_id, received))

    columns = (
        "id enterprise_id post_id template_id tier period client_uuid started_at received_at submitted_by_id "
        "on_site late ok_count failed_count na_count request_hash sequence prev_hash hash first_of_slot flags flagged"
    ).split()
    inspection_count = _copy("checklists_inspection", columns, rows())
    _copy(
        "checklists_inspectionresult",
        ["inspection_id", "item_id", "item_label", "kind", "value", "outcome", "note"],
        results,
    )
    for enterprise_id, last in sequence.items():
        ArchiveHead.objects.update_or_create(enterprise_id=enterprise_id, defaults={"last_sequence": last})
    Hazard.objects.bulk_create(
        Hazard(
            enterprise_id=post.enterprise_id,
            post=post,
            grade="major" if i % 10 == 0 else "general",
            description="检查发现异常",
            source="inspection",
            inspection_id=inspection_id,
            found_by_id=worker_of[post.enterprise_id],
            found_at=found,
            deadline=found + timedelta(days=7),
            status="closed" if i % 2 else "rectifying",
            closed_at=found + timedelta(days=3) if i % 2 else None,
        )
        for i, (post, inspection_id, found) in enumerate(failed)
    )
    SpotCheck.objects.bulk_create(
        SpotCheck(
            enterprise=e,
            person_id=worker_of[e.pk],
            started_by_id=worker_of[e.pk],
            started_at=datetime(2024, 7, 10 + k, 9, tzinfo=BEIJING),
            finished_at=datetime(2024, 7, 10 + k, 9, 10, tzinfo=BEIJING),
            question_count=10,
            correct_count=rng.randint(5, 10),
        )
        for e in enterprises
        for k in range(2)
    )
    Drill.objects.bulk_create(
        Drill(enterprise=e, title="演练", planned_on=date(2024, 5, 1), done_on=date(2024, 5, rng.randint(1, 28)))
        for e in enterprises
    )
    return inspection_count, len(results), len(failed)


def timed(fn, runs: int) -> tuple[float, float]:
    """(best, median) of `runs` timed calls after a warm-up. The best is the figure compared: on a
    shared machine the median measures the neighbours as much as the code."""
    fn()  # warm-up: caches, plans
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return min(samples), statistics.median(samples)


def measure(region, n: int, runs: int) -> dict:
    from django.db import connection
    from django.db.models import Count, Q
    from rest_framework.test import APIClient

    from checklists.periods import month_period, periods_starting_in
    from orgs.models import Enterprise, Person
    from reports.selectors import stats_for

    regulator = Person.objects.get(username=f"bench-regulator-{n}")
    weeks = [p.key for p in periods_starting_in("weekly", month_period(2024, 7, BEIJING))]
    one = Enterprise.objects.filter(region=region).order_by("id").first()
    client = APIClient()

    def endpoint():
        client.force_authenticate(Person.objects.get(pk=regulator.pk))
        response = client.get("/api/v1/stats/", {"month": MONTH, "region": region.pk})
        assert response.status_code == 200, response.content
        assert response.data["total"]["enterprises"] == n
        return response

    def one_enterprise():
        stats = stats_for(Person.objects.get(pk=regulator.pk), month=MONTH, enterprise=one.pk)
        assert stats.total.enterprises == 1

    def plain(where: str, params: list):
        # The same rows as the statistics read: the month's records of each tier.
        def run():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT i.enterprise_id, i.tier, COUNT(*) FROM checklists_inspection i "
                    f"WHERE {where} AND ((i.tier = 'daily' AND i.period LIKE %s) "
                    "OR (i.tier = 'weekly' AND i.period = ANY(%s)) "
                    "OR (i.tier IN ('monthly', 'quarterly') AND i.period = %s)) "
                    "GROUP BY i.enterprise_id, i.tier",
                    [*params, f"{MONTH}-%", weeks, MONTH],
                )
                return cursor.fetchall()

        return run

    def slots():
        # Checks done: one per post, template and period, counted on the slots' first records.
        from checklists.models import Inspection

        rows = (
            Inspection.objects.filter(
                Q(tier="daily", period__startswith=f"{MONTH}-")
                | Q(tier="weekly", period__in=weeks)
                | Q(tier__in=["monthly", "quarterly"], period=MONTH),
                enterprise__region=region,
                first_of_slot=True,
            )
            .values("enterprise_id", "tier")
            .annotate(done=Count("id"), late=Count("id", filter=Q(late=True)))
            .order_by()
        )
        return list(rows)

    region_sql = plain("i.enterprise_id IN (SELECT id FROM orgs_enterprise WHERE region_id = %s)", [region.pk])
    one_sql = plain("i.enterprise_id = %s", [one.pk])
    records = sum(row[2] for row in region_sql())
    queries = []  # counted on the connection: the test client's request_started signal resets queries_log
    with connection.execute_wrapper(
        lambda execute, sql, params, many, context: (queries.append(sql), execute(sql, params, many, context))[1]
    ):
        total = endpoint().data["total"]
    (view, view_median), (sql, sql_median) = timed(endpoint, runs), timed(region_sql, runs)
    (single, single_median), (single_sql, _) = timed(one_enterprise, runs), timed(one_sql, runs)
    slot, _ = timed(slots, runs)
    from reports.selectors import period_figures
    from reports.services import month_period as dispatch_month

    def dispatch_of(enterprise_id: int):
        full = Enterprise.objects.select_related("industry").get(pk=enterprise_id)
        return lambda: period_figures(enterprise=full, period=dispatch_month(MONTH, full))

    dispatch, _ = timed(dispatch_of(one.pk), runs)
    large = Enterprise.objects.filter(region__code=f"{region.code}L").first()  # built beside the district
    large_sql = plain("i.enterprise_id = %s", [large.pk])
    large_records = sum(row[2] for row in large_sql())
    (large_dispatch, _), (large_plain, _) = timed(dispatch_of(large.pk), runs), timed(large_sql, runs)
    daily = total["checks"]["daily"]
    print(
        f"{n:>5} enterprises, {records:>7} inspections of {MONTH} (daily done {daily['done']}/{daily['due']}, "
        f"hazards {total['hazards_found']}); best of {runs} (median):\n"
        f"      stats endpoint, region   {view * 1000:7.1f} ms ({view_median * 1000:.0f})   "
        f"plain GROUP BY {sql * 1000:6.1f} ms ({sql_median * 1000:.0f})   ratio {view / sql:4.2f}   "
        f"{view / records * 1e6:5.2f} us/record   {len(queries)} queries\n"
        f"      (checks done are read from the archive heads' slot tallies; counting the slots' first records "
        f"from the rows instead would take {slot * 1000:.1f} ms more)\n"
        f"      one enterprise's month   {single * 1000:7.1f} ms ({single_median * 1000:.0f})   "
        f"plain GROUP BY {single_sql * 1000:6.1f} ms   ratio {single / single_sql:4.1f}   "
        "(stats selector with enterprise=)"
    )
    one_records = sum(row[2] for row in one_sql())
    for label, records_of, built, query in (
        (f"{POSTS} posts", one_records, dispatch, single_sql),
        (f"{LARGE_POSTS} posts", large_records, large_dispatch, large_plain),
    ):
        print(
            f"      monthly dispatch figures, an enterprise of {label:>9} ({records_of:>5} inspections) "
            f"{built * 1000:6.1f} ms   plain GROUP BY {query * 1000:5.1f} ms   ratio {built / query:4.1f}"
        )
    print(
        f"      (reports.selectors.period_figures: {large_records / one_records:.1f} x the records cost "
        f"{large_dispatch / dispatch:.1f} x the time)"
    )
    return {"n": n, "records": records, "view": view, "sql": sql, "queries": len(queries)}


def use_database(url: str, n: int, *, fresh: bool) -> str:
    """One database per size (<name>_<n>), so that each size's plain GROUP BY reads only its own rows."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"{conninfo_to_dict(url)['dbname']}_{n}"
    ensure_database(make_conninfo(url, dbname=name), fresh=fresh)
    if not _ready:
        setup_django(f"{url.rsplit('/', 1)[0]}/{name}")
        _ready.append(True)
    else:
        from django.core.management import call_command
        from django.db import connections

        connections["default"].close()
        connections["default"].settings_dict["NAME"] = name
        call_command("migrate", verbosity=0)
    return name


_ready: list[bool] = []


GOALS = ((1000, 2.0), (10000, 1.5))  # (from this many enterprises, the ratio to stay below): issue 13


def goal_for(n: int) -> float:
    return min((ratio for size, ratio in GOALS if n >= size), default=2.0)


def main() -> None:
    args = parse_args()
    measured = []
    for n in sorted(set(args.enterprises)):
        name = use_database(args.database_url, n, fresh=not args.reuse)
        print(f"database {name}")
        region = build(n, results=n <= args.results_up_to)
        measured.append(measure(region, n, args.runs))
    print("summary (best of runs; the machine may be shared, the ratio is the figure that travels):")
    for m in measured:
        ratio, goal = m["view"] / m["sql"], goal_for(m["n"])
        verdict = "ok" if ratio <= goal else "ABOVE GOAL"
        print(
            f"  {m['n']:>6} enterprises  stats / plain GROUP BY = {ratio:4.2f} (goal <= {goal})  {verdict}   "
            f"{m['queries']} queries"
        )
    for small, large in zip(measured, measured[1:], strict=False):
        records, time_ = large["records"] / small["records"], large["view"] / small["view"]
        verdict = "ok" if time_ <= records * 1.1 else "GROWS FASTER THAN THE RECORDS"
        print(
            f"  {small['n']} -> {large['n']}: {records:.1f} x the records, {time_:.1f} x the time  {verdict};  "
            f"queries {small['queries']} -> {large['queries']} "
            f"({'constant' if small['queries'] == large['queries'] else 'NOT CONSTANT'})"
        )


if __name__ == "__main__":
    main()
