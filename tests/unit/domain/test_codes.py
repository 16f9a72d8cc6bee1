from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.codes import (
    Checked,
    EntityType,
    IdNumber,
    Mobile,
    Sex,
    Uscc,
    id_check_character,
)
from domain.divisions import (
    DivisionLevel,
    DivisionList,
    StatisticalCode,
    TownshipKind,
    divisions,
)
from domain.errors import InvalidCodeError

TODAY = date(2025, 6, 1)


def refusal(parse, raw: str, **kwargs) -> InvalidCodeError:
    with pytest.raises(InvalidCodeError) as caught:
        parse(raw, **kwargs)
    return caught.value


# --- ID numbers (reference §6.1) ---------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("440524188001010014", "440524188001010014"),
        ("360426199101010071", "360426199101010071"),
        ("34052419800101001X", "34052419800101001X"),
        ("11010519491231002x", "11010519491231002X"),
        ("110105491231002", "11010519491231002X"),
    ],
)
def test_reference_id_numbers_are_accepted(raw: str, expected: str) -> None:
    checked = IdNumber.parse(raw, today=TODAY)

    assert checked.value.value == expected
    assert checked.warnings == ()


@pytest.mark.parametrize(
    ("raw", "code", "params"),
    [
        ("110105194912310021", "checksum", {"expected": "X"}),
        ("110105194902301234", "birth_date", {}),
        ("11010519491231002", "format", {}),
    ],
)
def test_reference_id_numbers_are_refused_with_their_code(
    raw: str, code: str, params: dict[str, str]
) -> None:
    error = refusal(IdNumber.parse, raw, today=TODAY)

    assert (error.field, error.code, error.params) == ("id_number", code, params)


def test_the_checksum_message_names_the_expected_character() -> None:
    error = refusal(IdNumber.parse, "110105194912310021", today=TODAY)

    assert error.message == "ID number check character should be X"


def test_a_15_digit_number_is_upgraded_with_century_and_check_character() -> None:
    upgraded = IdNumber.parse("110105491231002", today=TODAY).value

    assert upgraded.value == "11010519491231002X"
    assert upgraded.birth_date == date(1949, 12, 31)


def test_full_width_input_with_spaces_is_normalised() -> None:
    checked = IdNumber.parse("　１１０１０５１９４９１２３１００２ｘ ", today=TODAY)

    assert checked.value.value == "11010519491231002X"


def test_the_refusal_names_the_field_it_was_given() -> None:
    error = refusal(IdNumber.parse, "123", field="spouse_id_number")

    assert (error.field, error.code) == ("spouse_id_number", "format")


def test_a_birth_date_after_today_is_refused() -> None:
    first17 = "37030320250602001"

    error = refusal(IdNumber.parse, first17 + id_check_character(first17), today=TODAY)

    assert error.code == "birth_date"


def test_a_birth_date_born_today_is_accepted() -> None:
    first17 = "37030320250601001"

    checked = IdNumber.parse(first17 + id_check_character(first17), today=TODAY)

    assert checked.value.birth_date == TODAY


def test_a_birth_date_before_1800_is_refused() -> None:
    first17 = "37030317991231001"

    error = refusal(IdNumber.parse, first17 + id_check_character(first17), today=TODAY)

    assert error.code == "birth_date"


def test_an_unknown_province_is_a_warning_not_a_refusal() -> None:
    first17 = "99030319800101001"

    checked = IdNumber.parse(first17 + id_check_character(first17), today=TODAY)

    assert checked.warnings == ("id_number.unknown_province",)


def test_an_unknown_county_in_a_known_province_is_not_even_a_warning() -> None:
    first17 = "37999919800101001"

    checked = IdNumber.parse(first17 + id_check_character(first17), today=TODAY)

    assert checked.warnings == ()


def test_id_number_exposes_birth_date_sex_division_and_mask() -> None:
    number = IdNumber.parse("34052419800101001X", today=TODAY).value

    assert number.birth_date == date(1980, 1, 1)
    assert number.sex is Sex.MALE
    assert number.division == "340524"
    assert number.masked() == "3405**********001X"
    assert str(number) == "34052419800101001X"


def test_an_even_sequence_digit_means_female() -> None:
    number = IdNumber.parse("11010519491231002X", today=TODAY).value

    assert number.sex is Sex.FEMALE


def test_the_worked_example_sums_to_check_character_x() -> None:
    assert id_check_character("34052419800101001") == "X"


@settings(max_examples=200, database=None, deadline=None)
@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    county=st.integers(min_value=110000, max_value=659999),
    sequence=st.integers(min_value=0, max_value=999),
    wrong=st.sampled_from("0123456789X"),
)
def test_any_computed_check_character_passes_and_any_other_fails(
    born: date, county: int, sequence: int, wrong: str
) -> None:
    first17 = f"{county}{born:%Y%m%d}{sequence:03d}"
    right = id_check_character(first17)

    assert IdNumber.parse(first17 + right, today=TODAY).value.birth_date == born
    if wrong != right:
        error = refusal(IdNumber.parse, first17 + wrong, today=TODAY)
        assert (error.code, error.params) == ("checksum", {"expected": right})


# --- USCC (reference §6.2) ---------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "91110000600037341L",
        "91110000101623741K",
        "911101066976941872",
        "91350100M000100Y43",
    ],
)
def test_reference_credit_codes_are_accepted(raw: str) -> None:
    checked = Uscc.parse(raw)

    assert checked == Checked(Uscc(raw))


@pytest.mark.parametrize(
    ("raw", "code", "params"),
    [
        ("91350211M0000XUF46", "checksum", {"expected": "R"}),
        ("91310115MA1H8R7C6D", "checksum", {"expected": "7"}),
        ("91110000600037341M", "checksum", {"expected": "L"}),
        ("91110000600037341I", "character", {"char": "I"}),
        ("9111000060003734", "length", {"length": 16}),
    ],
)
def test_reference_credit_codes_are_refused_with_their_code(
    raw: str, code: str, params: dict[str, object]
) -> None:
    error = refusal(Uscc.parse, raw)

    assert (error.field, error.code, error.params) == ("uscc", code, params)


@pytest.mark.parametrize(
    "raw",
    ["94110000600037341L", "91A10000600037341L", "A2110000600037341L"],
)
def test_an_unlisted_prefix_or_a_letter_in_the_division_is_a_format_error(
    raw: str,
) -> None:
    error = refusal(Uscc.parse, raw, field="business_uscc")

    assert (error.field, error.code) == ("business_uscc", "format")


def test_lower_case_and_full_width_credit_codes_are_normalised() -> None:
    checked = Uscc.parse(" ９１１１００００６０００３７３４１ｌ ")

    assert checked.value.value == "91110000600037341L"


def test_credit_code_exposes_its_parts() -> None:
    code = Uscc.parse("91350100M000100Y43").value

    assert code.registration_authority == "9"
    assert code.entity_category == "91"
    assert code.division == "350100"


def test_a_failing_inner_organisation_code_is_only_a_warning() -> None:
    checked = Uscc.parse("91110000600037342P")

    assert checked.warnings == ("uscc.organisation_code",)


@pytest.mark.parametrize(
    ("raw", "entity_type"),
    [
        ("91110000600037341L", EntityType.ENTERPRISE),
        ("92370303MA3C12346Y", EntityType.INDIVIDUAL_BUSINESS),
        ("93620702MA7Y12343F", EntityType.FARMER_COOPERATIVE),
        ("52370303MJD12345X2", EntityType.OTHER),
    ],
)
def test_a_prefix_that_matches_the_entity_type_is_accepted(
    raw: str, entity_type: EntityType
) -> None:
    assert Uscc.parse(raw, entity_type=entity_type).value.value == raw


@pytest.mark.parametrize(
    ("raw", "entity_type", "expected"),
    [
        ("91110000600037341L", EntityType.INDIVIDUAL_BUSINESS, "ENTERPRISE"),
        ("92370303MA3C12346Y", EntityType.ENTERPRISE, "INDIVIDUAL_BUSINESS"),
        ("93620702MA7Y12343F", EntityType.OTHER, "FARMER_COOPERATIVE"),
        ("52370303MJD12345X2", EntityType.ENTERPRISE, "OTHER"),
    ],
)
def test_a_prefix_that_contradicts_the_entity_type_is_refused(
    raw: str, entity_type: EntityType, expected: str
) -> None:
    error = refusal(Uscc.parse, raw, entity_type=entity_type)

    assert (error.code, error.params) == ("entity_type", {"expected": expected})


# --- Divisions and statistical codes (reference §6.3) ------------------------


def test_the_shipped_list_is_dated_and_names_its_source() -> None:
    shipped = divisions()

    assert shipped.as_of == date(2023, 6, 30)
    assert "china-division" in shipped.source
    assert divisions() is shipped


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("370303", "张店区"),
        ("370302", "淄川区"),
        ("320830", "盱眙县"),
        ("320826", "涟水县"),
        ("620702", "甘州区"),
        ("370502", "东营区"),
        ("440983", "信宜市"),
    ],
)
def test_known_counties_are_found_by_code(code: str, name: str) -> None:
    county = divisions().county(code, field="county")

    assert (county.name, county.level) == (name, DivisionLevel.COUNTY)


def test_zhangdian_lies_in_zibo_in_shandong() -> None:
    zhangdian = divisions().county("３７０３０３", field="county")

    assert (zhangdian.prefecture, zhangdian.province) == ("370300", "370000")
    assert zhangdian in divisions().counties_of("370300")
    assert divisions().name_path("370303") == "山东省 淄博市 张店区"


def test_the_path_skips_a_municipality_pseudo_prefecture() -> None:
    assert divisions().name_path("110105") == "北京市 朝阳区"


def test_a_province_is_refused_where_a_county_is_needed() -> None:
    error = refusal(divisions().county, "370000", field="county")

    assert (error.field, error.code) == ("county", "not_county")


def test_a_province_is_accepted_where_any_division_will_do() -> None:
    found = divisions().division("370000", field="province")

    assert (found.name, found.level) == ("山东省", DivisionLevel.PROVINCE)


def test_a_prefecture_city_without_counties_counts_as_a_county() -> None:
    dongguan = divisions().county("441900", field="county")

    assert dongguan.name == "东莞市"
    assert dongguan in divisions().counties_of("440000")


def test_an_unknown_division_is_refused_with_the_list_date() -> None:
    error = refusal(divisions().county, "999999", field="county")

    assert error.code == "unknown_division"
    assert error.params == {"division": "999999", "as_of": "2023-06-30"}


@pytest.mark.parametrize("raw", ["37030", "3703033", "37O303", ""])
def test_a_division_code_that_is_not_6_digits_is_a_format_error(raw: str) -> None:
    error = refusal(divisions().division, raw, field="county")

    assert error.code == "format"


def test_counties_of_a_province_cover_all_its_prefectures() -> None:
    shandong = divisions().counties_of("370000")

    assert {c.prefecture for c in shandong} >= {"370100", "370300", "370500"}
    assert all(c.code.startswith("37") for c in shandong)


def test_a_list_can_be_built_from_entries_for_a_test() -> None:
    small = DivisionList(
        {"370000": "山东省", "370300": "淄博市", "370303": "张店区"},
        as_of=date(2024, 1, 1),
        source="test",
    )

    assert [c.code for c in small.counties_of("370000")] == ["370303"]
    assert small.get("370302") is None


def test_the_reference_statistical_code_is_parsed_into_its_parts() -> None:
    code = StatisticalCode.parse("440983102201").value

    assert (code.county, code.township, code.village) == ("440983", "102", "201")
    assert code.township_kind is TownshipKind.TOWN


def test_a_township_level_statistical_code_ends_in_000() -> None:
    code = StatisticalCode.parse("370303001000", county="370303").value

    assert (code.village, code.township_kind) == ("000", TownshipKind.SUBDISTRICT)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("370303001001", TownshipKind.SUBDISTRICT),
        ("441900101200", TownshipKind.TOWN),
        ("620702202201", TownshipKind.TOWNSHIP),
        ("370303400001", TownshipKind.TOWNSHIP_LIKE),
    ],
)
def test_the_township_range_gives_its_kind(raw: str, kind: TownshipKind) -> None:
    assert StatisticalCode.parse(raw).value.township_kind is kind


def test_a_statistical_code_outside_the_case_county_is_refused() -> None:
    error = refusal(StatisticalCode.parse, "440983102201", county="370303")

    assert (error.field, error.code) == ("residence_division", "county_mismatch")
    assert error.params == {"county": "370303"}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("44098310220", "format"),
        ("999999001001", "unknown_division"),
        ("370300001001", "unknown_division"),
        ("370303000001", "township"),
        ("370303600001", "township"),
        ("370303001600", "village"),
    ],
)
def test_malformed_statistical_codes_are_refused(raw: str, code: str) -> None:
    assert refusal(StatisticalCode.parse, raw).code == code


# --- Mobile numbers (reference §6.4) -----------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("19212345678", "19212345678"),
        ("+8613812345678", "13812345678"),
        ("0086 138-1234-5678", "13812345678"),
        ("(86) 138 1234 5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
    ],
)
def test_mobile_numbers_are_normalised_and_accepted(raw: str, expected: str) -> None:
    checked = Mobile.parse(raw)

    assert checked == Checked(Mobile(expected))


@pytest.mark.parametrize(
    "raw", ["12345678901", "1381234567", "+8612345678901", "861381234567"]
)
def test_malformed_mobile_numbers_are_refused(raw: str) -> None:
    error = refusal(Mobile.parse, raw, field="contact_mobile")

    assert (error.field, error.code) == ("contact_mobile", "format")


def test_an_iot_prefix_is_a_warning_not_a_refusal() -> None:
    checked = Mobile.parse("14812345678")

    assert checked.warnings == ("mobile.iot_prefix",)


def test_a_mobile_number_is_masked_in_the_middle() -> None:
    assert Mobile.parse("13812345678").value.masked() == "138****5678"


def test_a_statistical_code_is_checked_against_the_list_it_is_given() -> None:
    small = DivisionList({"370303": "张店区"}, as_of=date(2024, 1, 1), source="test")

    error = refusal(StatisticalCode.parse, "440983102201", division_list=small)

    assert error.params == {"division": "440983", "as_of": "2024-01-01"}
