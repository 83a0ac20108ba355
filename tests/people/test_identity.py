import pytest

from app.people.identity import normalise_personnummer


@pytest.mark.parametrize(
    "given",
    ["19900101-0017", "900101-0017", "199001010017", " 9001010017 "],
)
def test_valid_forms_normalise_to_long_form(given):
    assert normalise_personnummer(given) == "19900101-0017"


def test_coordination_number_is_accepted():
    assert normalise_personnummer("701063-2391") == "19701063-2391"


@pytest.mark.parametrize("given", ["19900101-0018", "19901301-0017", "abc", ""])
def test_invalid_numbers_are_refused(given):
    with pytest.raises(ValueError):
        normalise_personnummer(given)
