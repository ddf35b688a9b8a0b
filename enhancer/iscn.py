"""Read the ISCN karyotypes a study uses, and decide whether a rater's answer names the known abnormality.

Covers numerical sex-chromosome changes (47,XXY, 45,X, 47,XXX, 47,XYY), gains and losses (+8, -7, +X,
+mar), and the structural changes del, dup, inv, t, i (plus r, der, add, ins, idic read the same way).
Clones ("/"), cell counts ("[20]") and lower case are accepted. A rater's free text matches an
abnormality when it names it as a whole token: "+8" matches +8 but "+18" does not.
"""

import re
from dataclasses import dataclass

NORMAL_SEX = ("XX", "XY")
_STRUCTURAL = ("del", "dup", "inv", "t", "i", "idic", "r", "der", "add", "ins")
_NUMERICAL = re.compile(r"^([+-])(\d{1,2}|X|Y|mar\d*)$", re.IGNORECASE)
_STRUCT = re.compile(r"^[+-]?(" + "|".join(_STRUCTURAL) + r")\(([^)]*)\)(?:\(([^)]*)\))?", re.IGNORECASE)
_NORMAL_WORDS = re.compile(r"^(none|normal|noabnormality|noabnormalities|nad|nil|-)?$")
_MINUS = str.maketrans({"−": "-", "–": "-", "—": "-"})


class IscnError(ValueError):
    """A karyotype that cannot be read as ISCN; the message says which part."""


@dataclass(frozen=True)
class Abnormality:
    """One change: `core` is its short ISCN name (e.g. "+8", "del(5)", "t(9;22)", "XXY")."""

    core: str
    spellings: tuple[str, ...]  # regular expressions over the rater's normalised answer


@dataclass(frozen=True)
class Karyotype:
    count: int
    sex: str
    abnormalities: tuple[Abnormality, ...]


def _normalise(text: str) -> str:
    """Lower case, one kind of minus, and no spaces next to signs or brackets ("+ 8", "del (5q)")."""
    text = re.sub(r"\s+", " ", text.translate(_MINUS).strip().lower())
    return re.sub(r" ?([-+(),;]) ?", r"\1", text)


def _token(pattern: str) -> str:
    """`pattern` standing alone: not inside a longer number or word."""
    return rf"(?<![0-9a-z]){pattern}(?![0-9a-z])"


def _sex_change(sex: str) -> Abnormality | None:
    if sex in NORMAL_SEX:
        return None
    names = {
        "XXY": [r"\+x", "klinefelter"],
        "X": [r"-x", r"45,x", "monosomy ?x", "turner", "xo", "x0"],
        "XXX": [r"\+x", "trisomy ?x", "triplex"],
        "XYY": [r"\+y", "jacobs"],
    }
    extra = names.get(sex, [])
    return Abnormality(sex, tuple([_token(re.escape(sex.lower()))] + [_token(p) for p in extra]))


def _numerical(sign: str, what: str) -> Abnormality:
    what = what.upper() if what.lower() in ("x", "y") else what.lower()
    core = f"{sign}{what}"
    if what.startswith("mar"):
        return Abnormality(
            "+mar" if sign == "+" else "-mar", (_token(re.escape(sign) + r"\d*mar\d*"), "marker")
        )
    word = "trisomy" if sign == "+" else "monosomy"
    return Abnormality(core, (_token(re.escape(core.lower())), _token(word + " ?" + what.lower())))


def _structural(kind: str, chromosomes: str, breakpoints: str | None) -> Abnormality:
    kind, chromosomes = kind.lower(), chromosomes.lower()
    core = f"{kind}({chromosomes})"
    spellings = [_token(re.escape(kind) + r"\(" + re.escape(chromosomes) + r"\)")]
    arms = {b[0] for b in re.findall(r"[pq]", (breakpoints or "").lower())}
    if ";" in chromosomes:  # a translocation named the other way round is the same one
        flipped = ";".join(reversed(chromosomes.split(";")))
        spellings.append(_token(re.escape(kind) + r"\(" + re.escape(flipped) + r"\)"))
    elif len(arms) == 1:  # del(5)(q13q33) is also written del(5q) or 5q-; i(17)(q10) as i(17q)
        arm = arms.pop()
        spellings.append(_token(re.escape(f"{kind}({chromosomes}{arm})")))
        if kind == "del":
            spellings.append(_token(re.escape(f"{chromosomes}{arm}") + "-"))
    return Abnormality(core, tuple(spellings))


def _field(part: str) -> Abnormality:
    if found := _NUMERICAL.match(part):
        return _numerical(found.group(1), found.group(2))
    if found := _STRUCT.match(part):
        return _structural(found.group(1), found.group(2), found.group(3))
    raise IscnError(f"cannot read {part!r}")


def parse(karyotype: str) -> Karyotype:
    """The chromosome count, sex chromosomes and abnormalities of an ISCN karyotype (clones merged)."""
    text = karyotype.translate(_MINUS).replace(" ", "")
    clones = [re.sub(r"\[\d+\]$", "", c) for c in text.split("/") if c]
    if not clones:
        raise IscnError("empty karyotype")
    found: dict[str, Abnormality] = {}
    first = None
    for clone in clones:
        fields = clone.split(",")
        if len(fields) < 2 or not re.fullmatch(r"\d{2}(~\d{2})?", fields[0]):
            raise IscnError(f"{clone!r} does not start with a chromosome count and the sex chromosomes")
        sex = fields[1].upper()
        if not re.fullmatch(r"X{1,4}Y{0,2}|Y", sex):
            raise IscnError(f"{fields[1]!r} is not a sex-chromosome complement")
        changes = [_sex_change(sex)] + [_field(p) for p in fields[2:]]
        for change in changes:
            if change is not None:
                found.setdefault(change.core, change)
        first = first or (int(fields[0][:2]), sex)
    return Karyotype(first[0], first[1], tuple(found.values()))


def abnormalities(karyotype: str) -> list[str]:
    """Short names of the karyotype's changes: '47,XY,+8,del(5)(q13q33)' → ['+8', 'del(5)']; '47,XXY' → ['XXY']."""
    return [a.core for a in parse(karyotype).abnormalities]


def says_normal(answer: str) -> bool:
    """The answer says there is no abnormality: "none", "normal", or a normal karyotype such as 46,XY."""
    said = _normalise(answer)
    if _NORMAL_WORDS.match(said.replace(" ", "")):
        return True
    try:
        return not parse(said).abnormalities
    except IscnError:
        return False


def detected(answer: str, karyotype: str) -> bool:
    """Whether a rater's answer names one of the known karyotype's changes (or says none when it is normal).

    Raises IscnError when the known karyotype cannot be read.
    """
    expected = parse(karyotype).abnormalities
    if not expected:
        return says_normal(answer)
    said = _normalise(answer)
    return any(re.search(pattern, said) for change in expected for pattern in change.spellings)
