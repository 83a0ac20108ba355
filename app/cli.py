"""Command-line commands: `flask demo`, `flask outbox work` (and its older name
`flask send-mail`), `flask bench`, `flask create-admin`."""

from __future__ import annotations

import signal
import threading

import click
from flask import Flask

from app.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--reset", is_flag=True, help="Drop existing demo data first.")
    def demo_command(reset: bool) -> None:
        """Build the deterministic demo school (accounts in README)."""
        from app.demo import build_demo, demo_exists

        if demo_exists() and not reset:
            click.echo("The demo school exists already (use --reset to rebuild it).")
            return
        build_demo(reset=reset)
        click.echo("Demo school built. Sign in as guardian@example.org / mentorskap.")

    @app.cli.group("outbox")
    def outbox_group() -> None:
        """The e-mail outbox and its worker."""

    @outbox_group.command("work")
    @click.option("--once", is_flag=True, help="Deliver what is due now, then stop.")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds to wait when idle.")
    def outbox_work_command(once: bool, interval: float) -> None:
        """Send link mails and deliver the outbox over SMTP (printed when SMTP_HOST is
        empty). Run as many as you like: workers claim disjoint messages. Stops cleanly
        on SIGTERM or SIGINT after the message in hand."""
        from app.outbox import work

        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
        work(click.echo, once=once, interval=interval, stop=stop)

    @app.cli.group("retention")
    def retention_group() -> None:
        """What is kept only for a while (app/retention.py)."""

    @retention_group.command("sweep")
    def retention_sweep_command() -> None:
        """Delete what has passed its keeping time (the mail worker does this hourly)."""
        from app import retention

        for name, count in retention.sweep().items():
            click.echo(f"{name}: {count} deleted")

    @app.cli.command("send-mail")
    @click.option("--loop", is_flag=True, help="Keep running (the same as `flask outbox work`).")
    def send_mail_command(loop: bool) -> None:
        """Deliver the outbox once: `flask outbox work --once` (kept for cron jobs)."""
        from app.outbox import work

        work(click.echo, once=not loop, interval=30.0)

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.argument("name")
    def create_admin_command(email: str, name: str) -> None:
        """Make a person a site administrator (creates schools) and mail them a sign-in link."""
        from sqlalchemy import select

        from app import audit
        from app.people import signin
        from app.people.models import User

        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            user = User(email=email, name=name)
            db.session.add(user)
        user.is_site_admin, user.active = True, True
        db.session.flush()
        audit.record("site_admin.granted", user, {"email": user.email}, actor=None)
        signin.send_link(user, "signin")
        db.session.commit()
        click.echo(f"{user.email} is a site administrator; a sign-in link is in the outbox.")

    @app.cli.group("absence")
    def absence_group() -> None:
        """Absence: sickness reports and the register."""

    @absence_group.command("clear-notes")
    def absence_clear_notes_command() -> None:
        """Clear the notes of sickness reports of ended terms (run daily)."""
        from app.absence.reports import clear_ended_notes
        from app.school.calendar import today

        click.echo(f"Cleared {clear_ended_notes(today())} notes.")

    @app.cli.command("bench")
    def bench_command() -> None:
        """Measure page weight and SQL statements of each home page on the demo data."""
        from app.bench import run

        run(click.echo)
