"""`manage.py seed_demo [--scale N] [--reset]`: the demo city 八女市, never in production."""

import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from literacy.core.demo_seed import (
    ADMIN_EMAIL,
    COORDINATOR_EMAIL,
    DEFAULT_PASSWORD,
    VOLUNTEER_EMAIL,
    DemoCityConflict,
    demo_city_seed,
)

PRODUCTION_SETTINGS = "literacy.settings.production"


class Command(BaseCommand):
    help = "デモ用の八女市（地区・会場・ボランティア・受講者・レッスン）を作ります。本番環境では動きません。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=int, default=1,
            help="ボランティア・受講者・レッスンの量を N 倍にします（ベンチマーク用）。",
        )
        parser.add_argument("--reset", action="store_true", help="デモの市を消して作り直します。")

    def handle(self, *args, scale: int, reset: bool, **options):
        if (settings.SETTINGS_MODULE or "").startswith(PRODUCTION_SETTINGS):
            raise CommandError("seed_demo は本番環境では実行できません（demo data must never reach production）.")
        if scale < 1:
            raise CommandError("--scale は 1 以上にしてください。")
        password = os.environ.get("DEMO_PASSWORD") or DEFAULT_PASSWORD
        started = time.monotonic()
        try:
            result = demo_city_seed(scale=scale, password=password, reset=reset, progress=self._progress)
        except DemoCityConflict as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started

        if result.created:
            self.stdout.write(self.style.SUCCESS(f"デモの{result.municipality.name}を作りました（{elapsed:.1f}秒）。"))
        else:
            self.stdout.write(f"デモの{result.municipality.name}はすでにあります。ログインだけ更新しました。")
        for label, count in result.counts.items():
            self.stdout.write(f"  {label}: {count:,}")
        # SITE_URL is where this server is reached (`make run PORT=…` sets it from the port).
        site = settings.SITE_URL.rstrip("/")
        self.stdout.write("")
        self.stdout.write("デモ用ログイン（パスワードは共通）:")
        for role, email in (("コーディネーター", COORDINATOR_EMAIL), ("ボランティア", VOLUNTEER_EMAIL),
                            ("管理者", ADMIN_EMAIL)):
            self.stdout.write(f"  {role:<10} {email}")
        shown = password if password == DEFAULT_PASSWORD else "（DEMO_PASSWORD の値）"
        self.stdout.write(f"  パスワード   {shown}")
        self.stdout.write("")
        for label, path in (("トップ", "/"), ("キオスク", "/kiosk/"), ("ボランティア", "/volunteer/"),
                            ("市の担当者", "/city/"), ("管理画面", f"/{settings.ADMIN_URL}"),
                            ("ログイン", "/accounts/login/"), ("API", "/api/docs/")):
            self.stdout.write(f"  {label:<8} {site}{path}")

    def _progress(self, label: str, done: int, total: int) -> None:
        percent = 100 if total == 0 else done * 100 // total
        self.stdout.write(f"  {label:<20} {done:>7,} / {total:<7,} ({percent:3d}%)")
