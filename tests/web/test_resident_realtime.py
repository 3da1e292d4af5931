"""The resident page shows what real-time matching decided, with no bulk run in between: a new person at a
property where a household lives is shown in that household, and the page's linkage history says why."""

from __future__ import annotations

import re
from datetime import date, timedelta

from joinedup.linkage._service import LinkageService
from joinedup.model import PersonName, SourceRecord
from joinedup.place import demo_place_path, load_place
from joinedup.store import Database
from joinedup.store.place_registry import register_place

from ..linkage.stored_place import RECEIVED, sim_model, sim_records, store_records
from .support import BASE, Browser

PEOPLE, SEED = 300, 11  # the place tests/linkage links: its model is trained once per session


def test_a_household_placed_in_real_time_is_on_the_resident_page(sqlite_database: Database, browser: Browser) -> None:
    database = sqlite_database
    register_place(database, load_place(demo_place_path()))
    records, _ = sim_records(PEOPLE, SEED)
    store_records(database, records)
    service = LinkageService(database, model=sim_model(PEOPLE, SEED))
    service.resolve()
    neighbour = next(
        r
        for r in records
        if r.person is not None
        and r.person.address is not None
        and r.person.address.uprn is not None
        and (resident := service.resident_of(r.system, r.record_id)) is not None
        and service.household_of(resident) is not None
    )
    assert neighbour.person is not None
    resident = service.resident_of(neighbour.system, neighbour.record_id)
    home = service.household_of(resident or "")
    assert home is not None
    newcomer = SourceRecord(
        system="gp",
        record_id="NEW-LODGER-2",
        person=neighbour.person.model_copy(
            update={
                "name": PersonName(given="Perpetua", family="Wrangham"),
                "date_of_birth": date(1929, 11, 5),
                "nhs_number": None,
                "ni_number": None,
                "contact_points": (),
            }
        ),
        raw={"record_id": "NEW-LODGER-2"},
        received_at=RECEIVED + timedelta(days=30),
    )
    store_records(database, [newcomer])
    outcome = service.add_record("gp", "NEW-LODGER-2")

    browser.sign_in("social-worker")
    page = browser.get(f"{BASE}/residents/{outcome.resident_id}?purpose=safeguarding-enquiry")
    assert page.status_code == 200
    text = page.text
    assert f"Household <code>{home.id}</code>: {len(home.members) + 1} residents" in text
    assert str(home.uprn) in text  # the social worker's agreement shares the address, so the property is shown
    for member in home.members:
        assert f"/residents/{member}?purpose=safeguarding-enquiry" in text
    assert f"joined household {home.id}" in text and "matched in real time" in text
    history = text[text.index('id="history"') : text.index("</table>", text.index('id="history"'))]
    caption = history[history.index("<caption") : history.index("</caption>")]
    cells = re.findall(r'<td class="govuk-table__cell">([^<]*)', history)
    kinds = [cell.split(" ")[0] for cell in cells[1::3]]  # each row: when, change, why
    named = {"created": "its creation", "joined": "records that joined it", "merged": "merges", "split": "splits",
             "moved": "moves", "household": "household changes"}  # fmt: skip
    assert "household" in kinds and kinds, kinds
    for kind in kinds:
        assert named[kind] in caption, f"the caption names every kind of change listed, {kind} too"
    assert "NEW-LODGER-2" not in text  # record ids are identifiers, which no agreement here shares
