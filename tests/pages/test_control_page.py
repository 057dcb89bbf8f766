from dashboards import viewmodel as vm
from dashboards.config import SEEDS_DIR
from dashboards.schema import CONTROL
from dashboards.seeds import read_seed

from ..conftest import run_page

PAGE = "dashboards.pages.control_page"


def test_control_per_locality_unmapped_list_and_all_events(app_env):
    at = run_page(PAGE)
    control = read_seed(SEEDS_DIR / "control.csv", CONTROL)
    state = vm.control_at(control)
    per_locality, unmapped, events = (d.value for d in at.dataframe)
    assert len(per_locality) == len(state)
    assert set(unmapped["Locality"]) == set(vm.unmapped(state)["locality"])
    assert len(events) == len(control)
    goma = per_locality.set_index("Locality").loc["Goma"]
    assert goma["Controlled by"] == "M23/AFC" and str(goma["Since"]) == "2025-01-27"


def test_the_province_filter_applies_to_both_tables(app_env):
    at = run_page(PAGE)
    at.multiselect(key="ctl_province").set_value(["South Kivu"]).run()
    per_locality, _, events = (d.value for d in at.dataframe)
    assert set(per_locality["Province"]) == {"South Kivu"} and set(events["Province"]) == {"South Kivu"}
