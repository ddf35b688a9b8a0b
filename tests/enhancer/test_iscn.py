"""ISCN reading and the detection of the known karyotype in a rater's answer, for each form the product names."""

import pytest

from enhancer.iscn import IscnError, abnormalities, detected, parse, says_normal


@pytest.mark.parametrize(
    ("karyotype", "count", "sex", "cores"),
    [
        ("46,XY", 46, "XY", []),
        ("46,xx", 46, "XX", []),
        ("47,XXY", 47, "XXY", ["XXY"]),
        ("45,X", 45, "X", ["X"]),
        ("47,XXX", 47, "XXX", ["XXX"]),
        ("47,XY,+8", 47, "XY", ["+8"]),
        ("45,XX,-7", 45, "XX", ["-7"]),
        ("46,XX,del(5)(q13q33)", 46, "XX", ["del(5)"]),
        ("46,XY,dup(1)(q21q32)", 46, "XY", ["dup(1)"]),
        ("46,XX,inv(16)(p13.1q22)", 46, "XX", ["inv(16)"]),
        ("46,XY,t(9;22)(q34;q11.2)", 46, "XY", ["t(9;22)"]),
        ("46,XX,i(17)(q10)", 46, "XX", ["i(17)"]),
        ("47,XY,+mar", 47, "XY", ["+mar"]),
        ("47,XY,+8[12]/46,XY[8]", 47, "XY", ["+8"]),
        ("48,XXY,+21", 48, "XXY", ["XXY", "+21"]),
        # as bone-marrow reports write them
        ("46,XX,t(9;22)(q34;q11.2)[3]/47,idem,+8[17]", 46, "XX", ["t(9;22)", "+8"]),
        ("46,XX,t(9;22)(q34;q11.2)[3]/47,sl,+8[10]/48,sdl,+19[7]", 46, "XX", ["t(9;22)", "+8", "+19"]),
        ("45~48,XY,+8,-7[cp10]", 45, "XY", ["+8", "-7"]),
        ("mos 45,X[10]/46,XX[20]", 45, "X", ["X"]),
        ("chi 46,XX[15]/46,XY[5]", 46, "XX", []),
        ("47,XY,+21c", 47, "XY", ["+21"]),
        ("47,XXYc", 47, "XXY", ["XXY"]),
        ("46,XY,?del(5)(q13)", 46, "XY", ["del(5)"]),
        ("47,XY,+?8", 47, "XY", ["+8"]),
        ("46,XX,del(5)(q13q33),inc[5]", 46, "XX", ["del(5)"]),
        ("69<3n>,XXY", 69, "XXY", ["XXY"]),
        ("46,XY,9qh+", 46, "XY", []),
        ("46,XX,15ps+", 46, "XX", []),
        ("46,XY.ish del(22)(q11.2q11.2)(HIRA-)", 46, "XY", []),
        ("46,XY,dic(5;17)(q11;p11)", 46, "XY", ["dic(5;17)"]),
        ("45,XX,rob(13;14)(q10;q10)", 45, "XX", ["rob(13;14)"]),
        ("46,XY,del(5q)", 46, "XY", ["del(5)"]),
        ("46,XY,5q-", 46, "XY", ["del(5)"]),
        ("47,XY,+8,~10dmin", 47, "XY", ["+8", "dmin"]),
        ("48,XY,+2mar", 48, "XY", ["+mar"]),
        ("47,XX,+r", 47, "XX", ["+r"]),
        ("45,X,-Y[20]", 45, "X", ["-Y"]),
    ],
)
def test_parse_names_count_sex_and_changes(karyotype, count, sex, cores):
    parsed = parse(karyotype)
    assert (parsed.count, parsed.sex) == (count, sex)
    assert abnormalities(karyotype) == cores


@pytest.mark.parametrize(
    "bad", ["", "XY", "46", "46,QQ", "46,XY,foo(5)", "forty-six", "47,idem,+8", "46,XY,5z-", "46,XY,+8x"]
)
def test_unreadable_karyotypes_raise(bad):
    with pytest.raises(IscnError):
        parse(bad)


@pytest.mark.parametrize(
    ("said", "karyotype", "hit"),
    [
        # sex-chromosome aneuploidies: "none" is a miss, naming it is a hit (issue 14: these were backwards)
        ("none", "47,XXY", False),
        ("XXY", "47,XXY", True),
        ("47,XXY Klinefelter", "47,XXY", True),
        ("+X", "47,XXY", True),
        ("+8", "47,XXY", False),
        ("46,XY", "47,XXY", False),
        ("none", "45,X", False),
        ("45,X", "45,X", True),
        ("monosomy X", "45,X", True),
        ("Turner", "45,X", True),
        ("-7", "45,X", False),
        ("none", "47,XXX", False),
        ("XXX", "47,XXX", True),
        ("trisomy X", "47,XXX", True),
        ("XXY", "47,XXX", False),
        # autosomal gains and losses, as whole tokens
        ("+8", "47,XY,+8", True),
        ("trisomy 8 (+8)", "47,XY,+8", True),
        ("none", "47,XY,+8", False),
        ("+18", "47,XY,+8", False),
        ("-8", "47,XY,+8", False),
        ("-7", "45,XX,-7", True),
        ("−7", "45,XX,-7", True),
        ("monosomy 7", "45,XX,-7", True),
        ("+7", "45,XX,-7", False),
        ("-17", "45,XX,-7", False),
        ("none", "45,XX,-7", False),
        # structural
        ("del(5q)", "46,XX,del(5)(q13q33)", True),
        ("del(5)(q13q33)", "46,XX,del(5)(q13q33)", True),
        ("5q-", "46,XX,del(5)(q13q33)", True),
        ("del(5p)", "46,XX,del(5)(q13q33)", False),
        ("del(15q)", "46,XX,del(5)(q13q33)", False),
        ("none", "46,XX,del(5)(q13q33)", False),
        ("dup(1q)", "46,XY,dup(1)(q21q32)", True),
        ("dup(1)", "46,XY,dup(1)(q21q32)", True),
        ("del(1q)", "46,XY,dup(1)(q21q32)", False),
        ("inv(16)", "46,XX,inv(16)(p13.1q22)", True),
        ("inv(16)(p13q22)", "46,XX,inv(16)(p13.1q22)", True),
        ("t(16;16)", "46,XX,inv(16)(p13.1q22)", False),
        ("t(9;22)", "46,XY,t(9;22)(q34;q11.2)", True),
        ("t(22;9)", "46,XY,t(9;22)(q34;q11.2)", True),
        ("t(9;21)", "46,XY,t(9;22)(q34;q11.2)", False),
        ("i(17q)", "46,XX,i(17)(q10)", True),
        ("i(17)(q10)", "46,XX,i(17)(q10)", True),
        ("del(17p)", "46,XX,i(17)(q10)", False),
        ("+mar", "47,XY,+mar", True),
        ("a marker chromosome", "47,XY,+mar", True),
        ("+8", "47,XY,+mar", False),
        # bone-marrow forms: subclones, short deletions, loss of Y, markers, double minutes
        ("+8", "46,XX,t(9;22)(q34;q11.2)[3]/47,idem,+8[17]", True),
        ("t(9;22)", "46,XX,t(9;22)(q34;q11.2)[3]/47,idem,+8[17]", True),
        ("+18", "46,XX,t(9;22)(q34;q11.2)[3]/47,idem,+8[17]", False),
        ("5q-", "46,XY,del(5q)", True),
        ("del(5)(q13q33)", "46,XY,5q-", True),
        ("del(5p)", "46,XY,5q-", False),
        ("-Y", "45,X,-Y[20]", True),
        ("Turner", "45,X,-Y[20]", False),
        ("two markers (+2mar)", "48,XY,+2mar", True),
        ("double minutes", "47,XY,+8,~10dmin", True),
        ("+21", "47,XY,+21c", True),
        ("none", "46,XY,9qh+", True),
        # normal karyotypes
        ("none", "46,XY", True),
        ("Normal", "46,XX", True),
        ("No abnormality", "46,XY", True),
        ("46,XX", "46,XX", True),
        ("+8", "46,XY", False),
        ("XXY", "46,XY", False),
    ],
)
def test_detection_of_each_form(said, karyotype, hit):
    assert detected(said, karyotype) is hit


def test_normal_answers():
    assert (
        says_normal(" NONE ")
        and says_normal("46,XY")
        and not says_normal("47,XY,+8")
        and not says_normal("?")
    )
