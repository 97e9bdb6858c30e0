"""The dashboard's tables: one description per table, used by the HTML page, the CSV export and
the charts alike, so that what is shown, downloaded and drawn is the same data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from literacy.coverage import selectors
from literacy.coverage.selectors import Period


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # text, int, pct (a 0–1 ratio), num (2 decimals), hours, month, datetime, bool, auto (row.kind)
    kind: str = "int"


@dataclass
class Metric:
    """One line of a summary table (label, value)."""

    label: str
    value: Any
    kind: str = "int"


@dataclass
class Table:
    slug: str
    title: str
    columns: list[Column]
    rows: list[Any]
    note: str = ""
    chart: str = field(default="", repr=False)

    def cells(self, row) -> list[tuple[Any, str]]:
        result = []
        for column in self.columns:
            value = getattr(row, column.key)
            kind = row.kind if column.kind == "auto" else column.kind
            result.append((value, kind))
        return result

    @property
    def body(self) -> list[list[tuple[Any, str]]]:
        return [self.cells(row) for row in self.rows]


TABLE_SLUGS = ("districts", "topics", "volunteers", "load", "skills", "outcomes", "months")


def metric_table(slug: str, title: str, metrics: list[Metric], note: str = "") -> Table:
    return Table(
        slug=slug, title=title, note=note, rows=metrics,
        columns=[Column("label", _("項目"), "text"), Column("value", _("値"), "auto")],
    )


def build_tables(period: Period, *, only: str | None = None, now: dt.datetime | None = None) -> list[Table]:
    """Every table of the coverage page (or just `only`), computed for the period."""
    wanted = set(TABLE_SLUGS) if only is None else {only}
    tables: list[Table] = []
    if "districts" in wanted:
        tables.append(Table(
            slug="districts", title=_("地区別"),
            note=_("受講者数は住んでいる地区（不明なら会場の地区）、レッスンと予約は会場の地区で数えます。"),
            rows=selectors.coverage_by_district(period, now=now),
            columns=[
                Column("name", _("地区"), "text"),
                Column("senior_population", _("高齢者人口")),
                Column("learners_served", _("受講した人数")),
                Column("served_per_thousand_seniors", _("高齢者千人あたり"), "num"),
                Column("requests", _("相談依頼")),
                Column("matched", _("日程確定")),
                Column("share_matched", _("確定の割合"), "pct"),
                Column("median_hours_to_match", _("確定までの時間（中央値・時間）"), "hours"),
                Column("lessons", _("レッスン")),
                Column("no_show_rate", _("欠席率"), "pct"),
                Column("cancellation_rate", _("キャンセル率"), "pct"),
            ],
        ))
    if "topics" in wanted:
        tables.append(Table(
            slug="topics", title=_("相談内容別（需要と供給）"),
            note=_("供給は現在の承認済みボランティアと、その週あたりの活動可能時間です。"),
            rows=selectors.coverage_by_topic(period, now=now),
            columns=[
                Column("name", _("相談内容"), "text"),
                Column("requests", _("相談依頼（需要）")),
                Column("matched", _("日程確定")),
                Column("lessons", _("レッスン")),
                Column("volunteers", _("教えられるボランティア")),
                Column("weekly_hours", _("週あたりの活動可能時間（供給）"), "hours"),
                Column("requests_per_weekly_hour", _("供給1時間あたりの依頼"), "num"),
            ],
        ))
    if wanted & {"volunteers", "load"}:
        volunteers, spread = selectors.volunteer_load(period, now=now)
        if "volunteers" in wanted:
            tables.append(Table(
                slug="volunteers", title=_("ボランティア別の活動"),
                note=_("活動中: 期間の終わりまでの60日間にレッスンがあった方。"),
                rows=volunteers,
                columns=[
                    Column("name", _("お名前"), "text"),
                    Column("lessons", _("レッスン")),
                    Column("hours", _("時間"), "hours"),
                    Column("offers_answered", _("回答した依頼")),
                    Column("offers_accepted", _("引き受けた依頼")),
                    Column("acceptance_rate", _("引き受け率"), "pct"),
                    Column("last_lesson_at", _("最後のレッスン"), "datetime"),
                    Column("active", _("活動中"), "bool"),
                ],
            ))
        if "load" in wanted:
            tables.append(metric_table("load", _("負担の偏り"), [
                Metric(_("承認済みボランティア"), spread.volunteers),
                Metric(_("活動中"), spread.active),
                Metric(_("休眠（60日レッスンなし）"), spread.dormant),
                Metric(_("合計時間"), spread.total_hours, "hours"),
                Metric(_("1人あたり時間（中央値）"), spread.median_hours, "hours"),
                Metric(_("最も多い人の時間"), spread.max_hours, "hours"),
                Metric(_("最大÷中央値"), spread.max_to_median, "num"),
                Metric(_("ジニ係数（0=均等）"), spread.gini, "num"),
                Metric(_("引き受け率"), spread.acceptance_rate, "pct"),
            ]))
    if wanted & {"skills", "outcomes"}:
        result = selectors.outcomes(period, now=now)
        if "skills" in wanted:
            tables.append(Table(
                slug="skills", title=_("できるようになったこと（相談内容別）"),
                rows=result.skills,
                columns=[
                    Column("name", _("相談内容"), "text"),
                    Column("skills_reached", _("できるようになった項目（延べ）")),
                    Column("learners", _("人数")),
                ],
            ))
        if "outcomes" in wanted:
            tables.append(metric_table("outcomes", _("成果"), [
                Metric(_("受講した人数"), result.learners_served),
                Metric(_("2回以上受講した人数"), result.repeat_learners),
                Metric(_("教える側になれそうな方"), result.could_teach),
                Metric(_("ボランティアになった元受講者（累計）"), result.became_volunteers),
                Metric(_("うち期間中に登録"), result.became_volunteers_in_period),
            ]))
    if "months" in wanted:
        tables.append(Table(
            slug="months", title=_("月別の推移"),
            rows=selectors.monthly_trends(period, now=now),
            columns=MONTH_COLUMNS,
        ))
    return tables


MONTH_COLUMNS = [
    Column("month", _("月"), "month"),
    Column("venues_used", _("実施会場数")),
    Column("lessons_held", _("実施回数")),
    Column("volunteers_active", _("活動したボランティア")),
    Column("participants", _("参加者（実人数）")),
    Column("attendances", _("参加者（延べ）")),
    Column("first_time_participants", _("初めての参加者")),
    Column("requests", _("相談依頼")),
    Column("no_shows", _("欠席")),
]


def monthly_summary_table(*, municipality, month: dt.date, now: dt.datetime | None = None) -> Table:
    row = selectors.monthly_summary(municipality=municipality, month=month, now=now)
    return Table(
        slug="monthly", title=_("月次報告（国の講習会実績の形式）"), rows=[row],
        columns=MONTH_COLUMNS[:7],
    )
