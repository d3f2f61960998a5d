"""Site settings as admins change them at /admin/settings: checked, saved, and each change logged.

What the settings are and how every worker reads them is forum/settings.py."""

import json
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from ...database import upsertable_insert, write_transaction
from ...models import SiteSetting, User
from ...models.base import utcnow
from ...moderation.service.log import log_action
from ...refusals import FieldError
from ...members.service import avatars
from ...settings import BY_NAME, LOGO_BOX, LOGO_FILE, SETTINGS, Setting, logo_folder, sections, store


@dataclass(frozen=True)
class Shown:
    """A setting as the page shows it: its value now, and whether the environment fixed it."""

    setting: Setting
    value: object
    fixed: bool

    @property
    def variable(self) -> str:
        return f"FORUM_{self.setting.name}"


def shown() -> dict[str, list[Shown]]:
    """Every setting, by section, with its value now."""
    settings = store()
    settings.forget()  # the page shows what is saved now, not this worker's second-old copy
    return {section: [Shown(s, settings.value(s.name), settings.fixed(s.name)) for s in listed]
            for section, listed in sections().items()}


def changeable() -> list[Setting]:
    """The settings the page may change: those the environment did not fix."""
    return [setting for setting in SETTINGS if not store().fixed(setting.name)]


def clean(submitted: dict[str, object]) -> tuple[dict[str, object], list[FieldError]]:
    """The submitted values as they would be saved, and a refusal for each one that cannot be."""
    cleaned, refusals = {}, []
    for name, value in submitted.items():
        setting = BY_NAME[name]
        if store().fixed(name):
            refusals.append(FieldError(setting.field_name, f"{setting.label} is fixed by {f'FORUM_{name}'} in "
                                                           "the server's environment; change it there."))
            continue
        try:
            cleaned[name] = setting.clean(value)
        except FieldError as refusal:
            refusals.append(refusal)
    if not refusals:
        _check_together(cleaned, refusals)
    return cleaned, refusals


def _check_together(cleaned: dict[str, object], refusals: list[FieldError]) -> None:
    """Rules between settings (none yet beyond each one's own bounds)."""


def save(actor: User, cleaned: dict[str, object]) -> list[Setting]:
    """Save the values that differ from those in force, one log line each; returns the changed settings.

    A public write: every guest page kept in any worker is stale, so that a new name or colour shows."""
    changed = []
    with write_transaction() as session:
        saved = {row.name: row.value for row in session.scalars(select(SiteSetting))}
        for name, value in cleaned.items():
            setting = BY_NAME[name]
            before = json.loads(saved[name]) if name in saved else store().app.config[name]
            if before == value:
                continue
            insert = upsertable_insert(session.get_bind().dialect.name)(SiteSetting).values(
                name=name, value=json.dumps(value), changed_at=utcnow(), changed_by_id=actor.id)
            session.execute(insert.on_conflict_do_update(index_elements=[SiteSetting.name], set_={
                "value": insert.excluded.value, "changed_at": insert.excluded.changed_at,
                "changed_by_id": insert.excluded.changed_by_id}))
            change = f"{setting.label}: {setting.describe(before)} → {setting.describe(value)}"
            log_action(session, actor, "setting:change", "setting", None, public_reason=change,
                       details=f"{name}: {before!r} to {value!r}")
            changed.append(setting)
    store().forget()
    return changed


def set_logo(actor: User, data: bytes) -> None:
    """Make this upload the logo: re-encoded (as avatars are), written under a new name, saved and logged.
    Raises FieldError (or PictureNotStored, 503) on the "logo" field."""
    if store().fixed("LOGO"):
        raise FieldError("logo", "The logo is fixed by FORUM_LOGO in the server's environment; change it there.")
    avatars.check_size(data, field="logo")
    picture = avatars.reencode(data, within=LOGO_BOX, field="logo")
    name = f"logo-{secrets.token_urlsafe(9)}.webp"
    avatars.store_as(logo_folder() / name, picture, field="logo")
    store().forget()
    old = store().value("LOGO")
    try:
        save(actor, {"LOGO": name})
    except BaseException:
        avatars.remove_quietly(logo_folder() / name)
        raise
    _discard(old)


def remove_logo(actor: User) -> None:
    """Show the name alone again."""
    if store().fixed("LOGO"):
        raise FieldError("logo", "The logo is fixed by FORUM_LOGO in the server's environment; change it there.")
    store().forget()
    old = store().value("LOGO")
    if save(actor, {"LOGO": ""}):
        _discard(old)


def _discard(name: str) -> None:
    if name and LOGO_FILE.fullmatch(name):
        avatars.remove_quietly(logo_folder() / name)
