"""What a service raises when it will not do what was asked, and the one helper that shows it on a form.

Every refusal carries the message for the member and, when it is about one form input, that input's
name. Its class, not its text, says how the request is answered: a form to correct is 422, an action
that is not the actor's to take is 403, one the state of things forbids now is 409. This module
imports nothing, so every layer may use it.
"""


class Refusal(ValueError):
    """Not done, and why: `message` is for the member, `field` names the form input it is about ("" for
    none), and the class's `status` is the answer (422: the request as made cannot be accepted)."""

    status = 422

    def __init__(self, message: str, *, field: str = ""):
        super().__init__(message)
        self.message, self.field = message, field


class FieldError(Refusal):
    """This form input is wrong: its message goes beside it, and the form comes back with 422."""

    def __init__(self, field: str, message: str):
        super().__init__(message, field=field)


class Forbidden(Refusal):
    """Not the actor's to do, whatever they type (their own sanction, an admin's role): 403."""

    status = 403


class Conflict(Refusal):
    """Not possible in the state things are in now (already done, no longer in force): 409."""

    status = 409


class Gone(Refusal):
    """A mailed link that worked once and no longer does (expired, or used): 410."""

    status = 410


class Malformed(Refusal):
    """A request that cannot be read as any valid one (a link not copied whole): 400."""

    status = 400


def show_on(form, refusal) -> None:
    """Put the refusal's message beside the form input it names, where the form shows its errors."""
    getattr(form, refusal.field).errors.append(refusal.message)
