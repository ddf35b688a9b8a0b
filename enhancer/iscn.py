"""Read the ISCN karyotypes a study uses, and decide whether a rater's answer names the known abnormality.

Covers numerical sex-chromosome changes (47,XXY, 45,X, 47,XXX, 47,XYY), gains and losses (+8, -7, +X,
+mar, +2mar, +r), the structural changes del, dup, inv, t, i (plus r, der, add, ins, idic, dic, ider, rob,
trp, hsr, fra, psu, tas, tan read the same way, and the short forms del(5q) and 5q-) and double minutes
(dmin), written as bone-marrow reports write them: clones ("/") with cell counts ("[20]", "[cp10]"),
subclones that build on the stemline ("47,idem,+8", "sl", "sdl"), `mos` and `chi`, constitutional
changes ("+21c"), uncertain ones ("?del(5)(q13)", "+?8"), an incomplete karyotype ("inc"), ploidy
("69<3n>"), heteromorphisms read as normal variants ("9qh+", "15ps+") and in situ hybridisation
addenda (".ish …", ".nuc ish …") set aside. Lower case is accepted. A rater's free text matches an
abnormality when it names it as a whole token: "+8" matches +8 but "+18" does not.
"""

import re
from dataclasses import dataclass

NORMAL_SEX = ("XX", "XY")
_STRUCTURAL = (
    "del", "dup", "inv", "t", "i", "idic", "dic", "ider", "r", "der", "add", "ins",
    "rob", "trp", "hsr", "fra", "psu", "tas", "tan",
)  # fmt: skip
_NUMERICAL = re.compile(r"^([+-])(\d{1,2}|X|Y|\d*mar\d*|r)$", re.IGNORECASE)
_STRUCT = re.compile(r"^[+-]?(" + "|".join(_STRUCTURAL) + r")\(([^)]*)\)(?:\(([^)]*)\))?", re.IGNORECASE)
_SHORT_ARM = re.compile(r"^(\d{1,2}|x|y)([pq])$", re.IGNORECASE)  # del(5q): chromosome 5, long arm
_OLD_DELETION = re.compile(r"^(\d{1,2}|x|y)([pq])-$", re.IGNORECASE)  # 5q-, the old notation of del(5q)
_DOUBLE_MINUTES = re.compile(r"^\d*~?\d*dmin$", re.IGNORECASE)
_HETEROMORPHISM = re.compile(r"^(\d{1,2}|x|y)[pq](h|s|stk|ss|cenh)[+-]?$", re.IGNORECASE)  # a normal variant
_STEMLINE = re.compile(r"^(idem|sl|sdl\d*)$", re.IGNORECASE)  # a subclone's "the stemline, plus…"
_COUNT = re.compile(r"^(\d{2,3})(~\d{2,3})?(<\d?n[+-]?>)?$")
_CELLS = re.compile(r"\[(cp)?\d+\]$", re.IGNORECASE)
_ADDENDUM = re.compile(r"\.(nuc)?ish|\.arr|\.rev", re.IGNORECASE)  # where in situ / array results begin
_PREFIX = re.compile(r"^(mos|chi)", re.IGNORECASE)
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
    if "mar" in what:
        return Abnormality(f"{sign}mar", (_token(re.escape(sign) + r"\d*mar\d*"), "marker"))
    if what == "r":  # a ring of unknown origin
        return Abnormality(core, (_token(re.escape(core)), "ring"))
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


def _field(part: str) -> Abnormality | None:
    """One comma-separated change of a clone; None for what is not an abnormality (a heteromorphism, "inc")."""
    part = part.replace("?", "")
    if part.lower() == "inc":
        return None
    if part.lower().endswith("c") and len(part) > 1:
        part = part[:-1]  # constitutional: "+21c" is +21 present from birth
    if _HETEROMORPHISM.match(part):
        return None
    if found := _NUMERICAL.match(part):
        return _numerical(found.group(1), found.group(2))
    if found := _OLD_DELETION.match(part):
        return _structural("del", found.group(1), found.group(2))
    if found := _STRUCT.match(part):
        chromosomes, breakpoints = found.group(2), found.group(3)
        if breakpoints is None and (arm := _SHORT_ARM.match(chromosomes)):
            chromosomes, breakpoints = arm.group(1), arm.group(2)
        return _structural(found.group(1), chromosomes, breakpoints)
    if _DOUBLE_MINUTES.match(part):
        return Abnormality("dmin", (_token(r"\d*~?\d*dmin"), "double minute"))
    raise IscnError(f"cannot read {part!r}")


def _sex(field: str) -> str:
    """The sex-chromosome complement of a clone's second field ("XXYc" is XXY, constitutional)."""
    sex = field.upper().replace("?", "")
    sex = sex[:-1] if sex.endswith("C") else sex
    if not re.fullmatch(r"X{1,4}Y{0,2}|Y{1,2}", sex):
        raise IscnError(f"{field!r} is not a sex-chromosome complement")
    return sex


def parse(karyotype: str) -> Karyotype:
    """The chromosome count, sex chromosomes and abnormalities of an ISCN karyotype (clones merged; the
    count and sex are the first clone's, a subclone's "idem"/"sl"/"sdl" takes the stemline's sex)."""
    text = _PREFIX.sub("", karyotype.translate(_MINUS).replace(" ", ""))
    text = _ADDENDUM.split(text, maxsplit=1)[0]
    clones = [_CELLS.sub("", c) for c in text.split("/") if c]
    if not clones:
        raise IscnError("empty karyotype")
    found: dict[str, Abnormality] = {}
    first = None
    for clone in clones:
        fields = clone.split(",")
        count = _COUNT.match(fields[0])
        if len(fields) < 2 or not count:
            raise IscnError(f"{clone!r} does not start with a chromosome count and the sex chromosomes")
        if _STEMLINE.match(fields[1]):
            if first is None:
                raise IscnError(f"{clone!r} refers to a stemline ({fields[1]!r}) before one is given")
            sex, changes = first[1], []
        else:
            sex = _sex(fields[1])
            lost = {"-x", "-y"} & {p.lower() for p in fields[2:]}
            changes = [] if lost else [_sex_change(sex)]  # 45,X,-Y: a lost Y, counted once, as -Y
        for change in changes + [_field(p) for p in fields[2:]]:
            if change is not None:
                found.setdefault(change.core, change)
        first = first or (int(count.group(1)), sex)
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
