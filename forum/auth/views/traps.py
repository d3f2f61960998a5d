"""The bot traps as the guest forms' views use them (the rules: forum/auth/service/traps.py).

No routes here: the registration, sign-in and reset views call these around their forms.
"""

import logging

from flask import request

from ..service import traps
from ..service.traps import Verdict

log = logging.getLogger("forum.auth")


def stamped(form, name: str):
    """Give a form about to be shown its signed "shown at" time (kept when it is shown again
    after a refusal that was not about the time, so a person never waits twice)."""
    if not form.shown.data or traps.check(name, "", form.shown.data) is Verdict.TOO_FAST:
        form.shown.data = traps.stamp(name)
    return form


def judge(form, name: str) -> Verdict:
    """The honeypot and the fill time of a submitted guest form. A refusal a person should see is
    put on the form (`form.trap_error`, shown by templates/auth/_traps.html) with a fresh time."""
    verdict = traps.check(name, form.comment.data, form.shown.data)
    if verdict is Verdict.BOT:
        log.info("Bot trap: honeypot filled on the %s form from %s", name, request.remote_addr)
    elif verdict is Verdict.TOO_FAST:
        log.info("Bot trap: %s form sent too fast from %s", name, request.remote_addr)
        refuse(form, name, verdict)
    return verdict


def refuse(form, name: str, verdict: Verdict) -> None:
    form.trap_error = traps.MESSAGES[verdict]
    form.shown.data = traps.stamp(name)
