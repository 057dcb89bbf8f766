"""Country and province names as people write them in uploaded files."""

import json
import subprocess
import sys

import pandas as pd
import pytest
from hdx.location.country import Country

from dashboards import places
from dashboards.config import BOUNDARIES_DIR, ROOT
from dashboards.places import DRC_PROVINCES, Match, country_codes, country_iso3, country_label
from dashboards.places import province_name, province_names
from dashboards.schema import KIVU_PROVINCES, PROVINCES

CONGO_AMBIGUOUS = (
    "ambiguous: write COD for DR Congo (Kinshasa) or COG for the Republic of the Congo (Brazzaville)"
)


# --- Countries: the Congo trap ----------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "RDC", "R.D.C.", "RD Congo", "R.D. Congo", "DRC", "DR Congo", "D.R. Congo", "Congo (Kinshasa)",
        "Congo-Kinshasa", "Congo Kinshasa", "République démocratique du Congo", "Republique Democratique du Congo",
        "Democratic Republic of the Congo", "Democratic Republic of Congo", "Congo, The Democratic Republic of the",
        "Congo, Dem. Rep.", "Zaïre", "Zaire", "rdc", "  RD   Congo ",
        "Rép. Dém. Congo", "Congo, Democratic Republic", "Congo-Kinshasa (RDC)", "République Démocratique du Congo (RDC)",
    ],
)  # fmt: skip
def test_the_ways_people_write_dr_congo_give_cod(text):
    assert country_iso3(text) == Match("COD", None)


@pytest.mark.parametrize("text", ["RD Congo", "R.D. Congo", "Congo RD", "Congo RDC"])
def test_spellings_the_library_fuzzy_match_reads_as_the_other_congo_give_cod(text):
    assert country_iso3(text).value == "COD"


@pytest.mark.parametrize(
    "text",
    ["Congo-Brazzaville", "Congo (Brazzaville)", "République du Congo", "Republic of the Congo", "Congo, Rep.",
     "Rep. of Congo", "Congo, Rep. of"],
)
def test_the_ways_people_write_the_republic_of_the_congo_give_cog(text):
    assert country_iso3(text) == Match("COG", None)


@pytest.mark.parametrize("text", ["Congo", "congo", " CONGO "])
def test_plain_congo_is_refused_as_ambiguous_although_the_library_reads_it_as_cog(text):
    assert country_iso3(text) == Match(None, CONGO_AMBIGUOUS)


def test_a_misspelt_dr_congo_gets_no_value_but_a_suggestion_naming_cod():
    match = country_iso3("Demcratic Republic of Congo")
    assert match.value is None
    assert match.suggestion == "did you mean COD (Democratic Republic of the Congo)?"


def test_a_suggestion_of_the_republic_of_the_congo_warns_about_dr_congo():
    match = country_iso3("Republique du Congo Brazaville")
    assert match.value is None
    assert match.suggestion.startswith("did you mean COG (Republic of the Congo)?")
    assert "COD" in match.suggestion


# --- Countries: neighbours, codes, pseudo-codes -------------------------------------


@pytest.mark.parametrize(
    "text, iso3",
    [
        ("Ouganda", "UGA"), ("Tanzanie", "TZA"), ("République-Unie de Tanzanie", "TZA"), ("Zambie", "ZMB"),
        ("Soudan du Sud", "SSD"), ("République centrafricaine", "CAF"), ("Centrafrique", "CAF"), ("Kenya", "KEN"),
        ("Angola", "AGO"), ("Rwanda", "RWA"), ("Burundi", "BDI"), ("Republique centrafricaine", "CAF"),
    ],
)  # fmt: skip
def test_french_names_of_the_neighbours_give_their_codes(text, iso3):
    assert country_iso3(text) == Match(iso3, None)


@pytest.mark.parametrize(
    "text, iso3",
    [
        ("United Republic of Tanzania", "TZA"), ("Tanzania, United Republic of", "TZA"), ("Tanzania", "TZA"),
        ("Central African Republic", "CAF"), ("South Sudan", "SSD"), ("Uganda", "UGA"), ("Zambia", "ZMB"),
        ("Côte d'Ivoire", "CIV"), ("Cote d'Ivoire", "CIV"),
    ],
)  # fmt: skip
def test_english_names_give_their_codes_with_or_without_accents(text, iso3):
    assert country_iso3(text).value == iso3


@pytest.mark.parametrize("text", ["CAR", "car", "C.A.R.", "RCA"])
def test_car_and_the_french_rca_mean_the_central_african_republic(text):
    assert country_iso3(text).value == "CAF"


def test_car_rca_rdc_and_drc_are_no_country_s_iso3_code_so_reading_them_as_names_is_safe():
    codes = Country.countriesdata(use_live=False)["countries"]
    assert not {"CAR", "RCA", "RDC", "DRC"} & set(codes)


@pytest.mark.parametrize(
    "text, iso3",
    [
        ("CD", "COD"), ("RW", "RWA"), ("BI", "BDI"), ("UG", "UGA"), ("TZ", "TZA"), ("ZM", "ZMB"), ("AO", "AGO"),
        ("SS", "SSD"), ("CF", "CAF"), ("CG", "COG"), ("KE", "KEN"), ("cd", "COD"), (" rw ", "RWA"),
    ],
)  # fmt: skip
def test_iso2_codes_give_the_iso3_code(text, iso3):
    assert country_iso3(text).value == iso3


@pytest.mark.parametrize("text", ["COD", "cod", "Cod", "  COD  "])
def test_iso3_codes_pass_in_any_case_and_with_spaces(text):
    assert country_iso3(text) == Match("COD", None)


@pytest.mark.parametrize("text", ["UKN", "UNK", "ukn", " unk "])
def test_unknown_origin_codes_ukn_and_unk_both_give_ukn(text):
    assert country_iso3(text) == Match("UKN", None)


@pytest.mark.parametrize("text, code", [("XNB", "XNB"), ("xnb", "XNB"), ("XON", "XON"), (" xon", "XON")])
def test_our_region_pseudo_codes_pass_through(text, code):
    assert country_iso3(text) == Match(code, None)


def test_unknown_text_gives_no_value_and_no_suggestion_when_nothing_is_close():
    assert country_iso3("xyz") == Match(None, None)


def test_a_misspelt_neighbour_is_suggested_not_accepted():
    assert country_iso3("Rwandaa") == Match(None, "did you mean RWA (Rwanda)?")


def test_misspellings_the_librarys_matcher_misses_get_the_closest_countries():
    assert country_iso3("Ugnada").suggestion == "did you mean UGA (Uganda)?"
    assert country_iso3("Zambi").suggestion == "did you mean ZMB (Zambia)?"
    assert country_iso3("Ouganada").suggestion == "did you mean UGA (Uganda)?"
    # As close to one Congo as to the other: both are named, never one guessed.
    assert country_iso3("Kongo").suggestion == (
        "did you mean COD (Democratic Republic of the Congo) or COG (Republic of the Congo)?")
    assert country_iso3("Rouanda").value == "RWA"  # an older French spelling, read as written
    assert country_iso3("Atlantis").suggestion is None


def test_a_province_in_the_country_column_suggests_cod_without_accepting_it():
    # The library's fuzzy match alone would suggest North Macedonia for 'Nord Kivu'.
    match = country_iso3("Nord Kivu")
    assert match.value is None
    assert match.suggestion == (
        "North Kivu is a province of DR Congo: did you mean COD (Democratic Republic of the Congo)?"
    )


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_country_is_no_value_and_no_suggestion(text):
    assert country_iso3(text) == Match(None, None)


# --- Country labels --------------------------------------------------------------


@pytest.mark.parametrize(
    "code, label",
    [
        ("COD", "Democratic Republic of the Congo"),
        ("cod", "Democratic Republic of the Congo"),
        ("COG", "Republic of the Congo"),
        ("RWA", "Rwanda"),
        ("XNB", "Neighbouring countries (total)"),
        ("XON", "Other neighbouring countries (not specified)"),
        ("UKN", "Unknown country"),
        ("ZZZ", "ZZZ"),
    ],
)
def test_country_labels_are_english_short_names_and_cover_our_pseudo_codes(code, label):
    assert country_label(code) == label


def test_country_labels_match_the_names_on_the_map():
    features = json.loads((BOUNDARIES_DIR / "countries.geojson").read_text(encoding="utf-8"))["features"]
    for f in features:
        assert country_label(f["properties"]["iso3"]) == f["properties"]["name"]


def test_a_label_reads_back_as_its_code():
    for code in ("COD", "COG", "TZA", "XNB", "XON", "UKN", "SSD", "CAF"):
        assert country_iso3(country_label(code)).value == code


# --- Vectorised: each distinct value once --------------------------------------------


def _counting(monkeypatch, name):
    calls = []
    real = getattr(places, name)

    def spy(text, **kwargs):
        calls.append(text)
        return real(text, **kwargs)

    monkeypatch.setattr(places, name, spy)
    return calls


def test_country_codes_resolve_each_distinct_value_once_however_many_rows(monkeypatch):
    calls = _counting(monkeypatch, "country_iso3")
    values = pd.Series(["RDC", "Rwanda", "Congo", "", None] * 40_000, dtype="str")
    codes, failures = country_codes(values)
    assert sorted(calls) == ["Congo", "RDC", "Rwanda"]
    assert len(codes) == 200_000
    assert codes.iloc[:5].tolist() == ["COD", "RWA", None, None, None]
    assert failures == {"Congo": Match(None, CONGO_AMBIGUOUS)}


def test_country_codes_keep_the_index_and_give_none_not_nan_where_unknown():
    values = pd.Series(["cd", "Zambie", "nowhere", pd.NA], index=[10, 11, 12, 13], dtype="string")
    codes, failures = country_codes(values)
    assert codes.index.tolist() == [10, 11, 12, 13]
    assert codes.tolist() == ["COD", "ZMB", None, None]
    assert set(failures) == {"nowhere"}


def test_only_the_first_distinct_failures_get_a_suggestion(monkeypatch):
    monkeypatch.setattr(places, "MAX_SUGGESTIONS", 1)
    _, failures = country_codes(pd.Series(["Rwandaa", "Burundii"], dtype=object))
    assert failures == {"Rwandaa": Match(None, "did you mean RWA (Rwanda)?"), "Burundii": Match(None, None)}


def test_province_names_resolve_each_distinct_value_once_however_many_rows(monkeypatch):
    calls = _counting(monkeypatch, "province_name")
    values = pd.Series(["Nord-Kivu", "SK", "Nord-Kiwu", None] * 50_000, dtype="str")
    names, failures = province_names(values)
    assert sorted(calls) == ["Nord-Kivu", "Nord-Kiwu", "SK"]
    assert names.iloc[:4].tolist() == ["North Kivu", "South Kivu", None, None]
    assert failures == {"Nord-Kiwu": Match(None, "did you mean North Kivu?")}


# --- Provinces ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, name",
    [
        ("Nord-Kivu", "North Kivu"), ("Nord Kivu", "North Kivu"), ("Sud-Kivu", "South Kivu"),
        ("Kivu du Nord", "North Kivu"), ("Kivu Nord", "North Kivu"), ("Kivu du Sud", "South Kivu"),
        ("Sud Kivu", "South Kivu"), ("sud kivu", "South Kivu"), ("NK", "North Kivu"), ("N-Kivu", "North Kivu"),
        ("N. Kivu", "North Kivu"), ("SK", "South Kivu"), ("S-Kivu", "South Kivu"), ("S. Kivu", "South Kivu"),
        ("North-Kivu", "North Kivu"), ("NORTH KIVU", "North Kivu"), ("Province du Nord-Kivu", "North Kivu"),
        ("South Kivu Province", "South Kivu"), ("CD-NK", "North Kivu"),
    ],
)  # fmt: skip
def test_french_english_and_abbreviated_kivu_names_give_the_canonical_name(text, name):
    assert province_name(text) == Match(name, None)


@pytest.mark.parametrize(
    "text, name",
    [
        ("Haut-Uélé", "Haut-Uele"), ("haut uele", "Haut-Uele"), ("Kasaï-Central", "Kasai-Central"),
        ("Kasai Oriental", "Kasai-Oriental"), ("Équateur", "Equateur"), ("Maï-Ndombe", "Mai-Ndombe"),
        ("Kongo-Central", "Kongo Central"), ("Bas-Congo", "Kongo Central"), ("tanganyika", "Tanganyika"),
        ("Ituri", "Ituri"), ("maniema", "Maniema"), ("Haut Katanga", "Haut-Katanga"),
    ],
)  # fmt: skip
def test_other_provinces_accept_accents_hyphens_and_case_variants(text, name):
    assert province_name(text).value == name


def test_all_26_canonical_province_names_read_back_as_themselves():
    assert len(set(DRC_PROVINCES)) == 26
    for name in DRC_PROVINCES:
        assert province_name(name) == Match(name, None)


def test_the_schema_and_map_provinces_are_canonical_names():
    features = json.loads((BOUNDARIES_DIR / "provinces.geojson").read_text(encoding="utf-8"))["features"]
    assert set(PROVINCES) | set(KIVU_PROVINCES) | {f["properties"]["name"] for f in features} <= set(DRC_PROVINCES)


@pytest.mark.parametrize(
    "text, names",
    [
        ("North Kivu; South Kivu", "North Kivu; South Kivu"),
        ("NK; SK", "North Kivu; South Kivu"),
        ("Sud-Kivu;Nord-Kivu", "South Kivu; North Kivu"),
        ("NK; North Kivu; Ituri;", "North Kivu; Ituri"),
    ],
)
def test_several_provinces_split_on_semicolons_keep_their_order(text, names):
    assert province_name(text) == Match(names, None)


def test_an_unknown_part_of_several_provinces_refuses_the_whole_value_and_names_the_part():
    assert province_name("NK; Nord-Kiwu") == Match(None, "'Nord-Kiwu': did you mean North Kivu?")


def test_a_misspelt_province_suggests_the_close_one():
    assert province_name("Nord-Kiwu") == Match(None, "did you mean North Kivu?")


def test_provinces_separated_by_commas_are_suggested_with_semicolons_not_accepted():
    assert province_name("Nord-Kivu, Sud-Kivu") == Match(
        None, "did you mean 'North Kivu; South Kivu'? Separate provinces with ';'."
    )


@pytest.mark.parametrize("text", ["Kivu", "les Kivu", "North and South Kivu"])
def test_kivu_alone_is_refused_as_ambiguous(text):
    match = province_name(text)
    assert match.value is None and match.suggestion.startswith("ambiguous")


@pytest.mark.parametrize("text", ["Katanga", "Province Orientale", "Bandundu", "Kasaï-Occidental"])
def test_pre_2015_provinces_that_were_split_are_refused_with_their_successors(text):
    match = province_name(text)
    assert match.value is None and match.suggestion.startswith("a pre-2015 province, now split")


def test_unknown_province_text_gives_no_value_and_no_suggestion_when_nothing_is_close():
    assert province_name("Paris") == Match(None, None)


# --- Offline --------------------------------------------------------------------------


def test_country_lookups_work_with_the_network_blocked():
    script = (
        "import socket\n"
        "def refuse(*a, **k):\n    raise OSError('network used')\n"
        "socket.socket.connect = refuse\nsocket.create_connection = refuse\n"
        "from dashboards.places import country_iso3, country_label\n"
        "assert country_iso3('Mozambique').value == 'MOZ'\n"
        "assert country_iso3('Demcratic Republic of Congo').suggestion\n"
        "assert country_label('BDI') == 'Burundi'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
