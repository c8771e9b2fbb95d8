"""Hypothesis strategies for message texts and phone numbers.

Hypothesis is a test-only dependency: this is the one module of the package that imports it.
"""

from __future__ import annotations

from hypothesis import strategies as st

from pytest_smsmock.core.encoding import GSM7_BASIC, GSM7_EXTENSION, is_gsm7

__all__ = ["gsm7_texts", "msisdns", "ucs2_texts"]

# Sorted so that shrinking is deterministic and heads towards '\n', ' ', digits.
_GSM7_ALPHABET = "".join(sorted(GSM7_BASIC))
_GSM7_FULL_ALPHABET = "".join(sorted(set(GSM7_BASIC) | set(GSM7_EXTENSION)))

# A spread of real country codes of one, two and three digits, so that the subscriber number
# length varies with the prefix as it does on a real network.
_COUNTRY_CODES = (
    "1", "7", "20", "27", "31", "33", "34", "39", "44", "49", "52", "55", "61", "62", "81",
    "86", "91", "234", "254", "351", "380", "880", "966", "971", "977",
)  # fmt: skip

_MSISDN_MIN = 8
_MSISDN_MAX = 15


def gsm7_texts(
    min_size: int = 0, max_size: int | None = None, *, extension: bool = True
) -> st.SearchStrategy[str]:
    """Texts of the GSM 7-bit alphabet; sizes count characters, not septets.

    With `extension` (the default) the extension table is included, whose characters cost two
    septets each.
    """
    alphabet = _GSM7_FULL_ALPHABET if extension else _GSM7_ALPHABET
    return st.text(alphabet=alphabet, min_size=min_size, max_size=max_size)


def _non_gsm7_characters(*, astral: bool) -> st.SearchStrategy[str]:
    # Surrogates (Cs) are not characters a message can carry: UTF-16 cannot encode them alone.
    # The GSM alphabet is excluded while drawing, not filtered afterwards: Hypothesis favours
    # ASCII, and a filter would throw most draws away (its filter_too_much health check).
    chars = st.characters(
        exclude_categories=["Cs"],
        exclude_characters=_GSM7_FULL_ALPHABET,
        max_codepoint=None if astral else 0xFFFF,
    ).filter(lambda char: not is_gsm7(char))
    if astral:
        # Emoji are the astral characters real messages carry; make them common, since they are
        # what exercises surrogate pairs at part boundaries.
        emoji = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
        return st.one_of(chars, emoji)
    return chars


@st.composite
def _ucs2_texts(draw: st.DrawFn, min_size: int, max_size: int | None, astral: bool) -> str:
    low = max(min_size, 1)
    size = draw(st.integers(low, max_size if max_size is not None else low + 40))
    required = draw(_non_gsm7_characters(astral=astral))
    others = st.one_of(st.sampled_from(_GSM7_FULL_ALPHABET), _non_gsm7_characters(astral=astral))
    rest = draw(st.lists(others, min_size=size - 1, max_size=size - 1))
    position = draw(st.integers(0, size - 1))
    rest.insert(position, required)
    return "".join(rest)


def ucs2_texts(
    min_size: int = 1, max_size: int | None = None, *, astral: bool = True
) -> st.SearchStrategy[str]:
    """Texts with at least one character outside the GSM 7-bit alphabet, so sent as UCS-2.

    Sizes count characters (`min_size` is at least 1). With `astral` (the default) characters
    outside the BMP, emoji in particular, appear; they take two UTF-16 units each.
    """
    if max_size is not None and max_size < max(min_size, 1):
        raise ValueError(f"max_size={max_size} leaves no room for a non-GSM character")
    return _ucs2_texts(min_size, max_size, astral)


def msisdns(*, country_code: str | None = None) -> st.SearchStrategy[str]:
    """International numbers without '+': country code then subscriber number, 8 to 15 digits.

    `country_code` fixes the prefix (1 to 3 digits, not starting with 0); by default it is drawn
    from a spread of real ones. The subscriber number does not start with 0, which is a trunk
    prefix in national format and never follows the country code.
    """
    if country_code is not None and not (
        country_code.isdigit()
        and country_code.isascii()
        and 1 <= len(country_code) <= 3
        and not country_code.startswith("0")
    ):
        raise ValueError(
            f"country_code must be 1-3 digits not starting with 0, got {country_code!r}"
        )
    codes = st.just(country_code) if country_code is not None else st.sampled_from(_COUNTRY_CODES)

    @st.composite
    def build(draw: st.DrawFn) -> str:
        code = draw(codes)
        length = draw(st.integers(max(_MSISDN_MIN - len(code), 1), _MSISDN_MAX - len(code)))
        first = draw(st.sampled_from("123456789"))
        rest = draw(st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1))
        return code + first + rest

    return build()
