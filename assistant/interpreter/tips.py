"""Tips: "tip of 18% on 45 dollars", "what's a 20 percent tip on $60" → ``math.eval`` with the
percentage of the bill as ``expression``/``result`` and the bill plus tip as ``total``."""

from __future__ import annotations

from fractions import Fraction

from assistant.interpreter._common import WHATS, compile_all, intent
from assistant.interpreter._text import Text
from models import Intent
from models import intent_names as names

TRIGGERS = frozenset({"tip", "tips", "tipping", "gratuity"})

_NUMBER = r"\d+(?:\.\d+)?"
_PCT = rf"(?P<pct>{_NUMBER}) ?(?:%|percent|per cent)"
_BILL = (
    rf"(?:a |the |my )?\$?(?P<bill>{_NUMBER})(?: dollars?| bucks| euros?| pounds?)?"
    r"(?: bill| check| tab| meal)?"
)
_ASK = rf"(?:{WHATS} |how much is |calculate |figure out |work out |compute |tell me )?"
_TIPS = compile_all(
    rf"{_ASK}(?:the |a |an )?(?:tip|gratuity) of {_PCT} (?:on|for|of) {_BILL}",
    rf"{_ASK}(?:the |a |an )?{_PCT} (?:tip|gratuity) (?:on|for|of) {_BILL}",
    rf"how much (?:should i |do i |would i |to )?tip (?:on|for) {_BILL} (?:at|with|if i tip) "
    rf"{_PCT}",
    rf"{_ASK}{_PCT} (?:tip|gratuity)? ?(?:on|for) {_BILL}(?: as a tip| tip)",
)
MAX_BILL = 10**9


def _number(said: str) -> int | float:
    value = Fraction(said)
    return int(value) if value.denominator == 1 else float(value)


def match(text: Text) -> Intent | None:
    """``math.eval`` for a tip, or ``None``."""
    for pattern in _TIPS:
        found = pattern.fullmatch(text.digits)
        if found is None:
            continue
        pct, bill = Fraction(found["pct"]), Fraction(found["bill"])
        if not (0 < pct <= 100 and 0 < bill < MAX_BILL):
            return None
        tip = pct * bill / 100
        expression = f"{found['pct']} % of {found['bill']}"
        result, total = (_number(str(round(float(v), 10))) for v in (tip, tip + bill))
        return intent(names.MATH_EVAL, expression=expression, result=result, total=total)
    return None
