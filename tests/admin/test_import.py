"""CSV import: dry run, one transaction, idempotent, matching by personnummer or external id."""

from __future__ import annotations

import io
import re
import time

from sqlalchemy import func, select

from app.admin import importer
from app.admin.csvfile import canonical_column, decode, read_sheet
from app.admin.models import ImportBatch
from app.audit import AuditEvent
from app.contacts.models import ContactDetails
from app.extensions import db
from app.people.models import Guardianship, Student, User
from app.school.models import GroupMembership, GroupTransfer, MentorGroup, School
from tests.admin.helpers import HEADER, excel_bytes, personnummer, student_line, students_csv
from tests.conftest import csrf_token


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _upload(client, files: list[tuple[str, bytes]], school_id: int = 1):
    token = csrf_token(client, f"/admin/schools/{school_id}/import")
    page = client.get(f"/admin/schools/{school_id}/import").get_data(as_text=True)
    year = re.search(r'<option selected value="(\d+)"', page) or re.search(
        r'<option value="(\d+)" selected', page
    )
    data = {
        "csrf_token": token,
        "school_year": year.group(1),
        "files": [(io.BytesIO(content), name) for name, content in files],
    }
    return client.post(
        f"/admin/schools/{school_id}/import", data=data, content_type="multipart/form-data"
    )


def _preview(client, files):
    response = _upload(client, files)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    location = response.headers["Location"]
    return location, client.get(location)


def _confirm(client, location: str, page: str):
    digest = re.search(r'name="digest" value="([0-9a-f]+)"', page).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(location + "/apply", data={"csrf_token": token, "digest": digest})


def _import(client, files):
    location, preview = _preview(client, files)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    response = _confirm(client, location, page)
    assert response.status_code == 303
    return client.get(location).get_data(as_text=True)


# --- reading files --------------------------------------------------------------------------


def test_headers_in_swedish_and_english_map_to_the_same_columns():
    assert canonical_column("Förnamn") == "first_name"
    assert canonical_column("first_name") == "first_name"
    assert canonical_column("Vårdnadshavare 2 e-post") == "guardian2_email"
    assert canonical_column("guardian_email") == "guardian1_email"
    assert canonical_column("VH1_telefon") == "guardian1_phone"
    assert canonical_column("Skostorlek") is None


def test_excel_files_with_bom_semicolons_and_windows_1252_are_read():
    text = "Personnummer;Förnamn\r\n20120101-1002;Åsa\r\n"
    for data in (excel_bytes(text), text.encode("cp1252")):
        sheet = read_sheet("x.csv", decode(data))
        assert sheet.columns == ["personnummer", "first_name"]
        assert sheet.rows == [(2, {"personnummer": "20120101-1002", "first_name": "Åsa"})]
    comma = read_sheet("y.csv", "external_id,first_name\nA1,Bo\n")
    assert comma.rows == [(2, {"external_id": "A1", "first_name": "Bo"})]


# --- through the pages -------------------------------------------------------------------------


def test_good_file_is_previewed_then_written_in_one_go(app, login_as):
    admin = login_as("admin")
    with app.app_context():
        before = _count(Student), _count(User)
    location, preview = _preview(admin, [("elever.csv", students_csv(3).encode())])
    page = preview.get_data(as_text=True)
    assert "Förhandsvisning av importen" in page and "Importera nu" in page
    assert "Elev0 Importsson" in page
    with app.app_context():  # the dry run wrote nothing
        assert (_count(Student), _count(User)) == before
    done = _confirm(admin, location, page)
    assert done.status_code == 303
    result = admin.get(location).get_data(as_text=True)
    assert "Importen är klar" in result
    with app.app_context():
        assert _count(Student) == before[0] + 3
        assert _count(User) == before[1] + 6
        elev = db.session.scalar(select(Student).where(Student.first_name == "Elev1"))
        assert elev.personnummer == personnummer(1)
        group = db.session.scalar(
            select(MentorGroup.name)
            .join(GroupMembership, GroupMembership.group_id == MentorGroup.id)
            .where(GroupMembership.student_id == elev.id)
        )
        assert group == "8B"
        parent = db.session.scalar(select(User).where(User.email == "parent1@example.net"))
        assert parent.name == "Förälder1 Importsson" and parent.password_hash is None
        assert parent.invited_at is None  # invitations are a separate decision
        assert db.session.scalar(
            select(ContactDetails.mobile).where(ContactDetails.user_id == parent.id)
        ) == ("+46700010000")
        batch = db.session.scalar(select(ImportBatch).order_by(ImportBatch.id.desc()))
        assert batch.files == [] and batch.summary["students_new"] == 3
        assert db.session.scalar(select(func.count()).select_from(GroupTransfer)) == 3
        assert (
            db.session.scalar(
                select(AuditEvent.detail).where(AuditEvent.action == "import.applied")
            )["students_new"]
            == 3
        )


def test_excel_style_file_with_swedish_headers_imports(app, login_as):
    admin = login_as("admin")
    text = (
        "Personnummer;Förnamn;Efternamn;Klass;Skyddad identitet;"
        "Vårdnadshavare 1 namn;Vårdnadshavare 1 e-post;Vårdnadshavare 1 telefon\n"
        f"{personnummer(5).replace('-', '')[2:]};Åke;Öst;9c;ja;"
        "Märta Öst;MARTA.OST@example.net;+46 70 555 12 34\n"
    )
    page = _import(admin, [("Elever (Excel).csv", excel_bytes(text))])
    assert "Importen är klar" in page
    with app.app_context():
        student = db.session.scalar(select(Student).where(Student.first_name == "Åke"))
        assert student.personnummer == personnummer(5) and student.protected_identity
        marta = db.session.scalar(select(User).where(User.email == "marta.ost@example.net"))
        assert marta is not None
        assert db.session.scalar(
            select(Guardianship).where(
                Guardianship.student_id == student.id, Guardianship.guardian_id == marta.id
            )
        )


def test_file_with_errors_lists_every_row_and_writes_nothing(app, login_as):
    admin = login_as("admin")
    text = "\n".join(
        [
            HEADER,
            student_line(1),
            "19999999-9999;Fel;Nummer;7A;nej;;;;;;;;",
            f"{personnummer(2)};Okänd;Grupp;7Q;nej;;;;;;;;",
            f"{personnummer(3)};Dålig;Post;7A;kanske;Pa;inte-en-adress;123;ja;;;;",
            ";Ingen;Nyckel;7A;nej;;;;;;;;",
        ]
    )
    with app.app_context():
        before = _count(Student), _count(User), _count(Guardianship)
    location, preview = _preview(admin, [("fel.csv", text.encode())])
    page = preview.get_data(as_text=True)
    assert "Inget kan importeras förrän filen är rättad." in page
    for expected in (
        "Inte ett giltigt personnummer.",
        "Det finns ingen grupp med det namnet i läsåret.",
        "Skriv ja eller nej.",
        "Inte en giltig e-postadress.",
        "Inte ett giltigt telefonnummer.",
        "Personnummer eller externt id behövs för att känna igen eleven.",
    ):
        assert expected in page, expected
    assert re.search(r"<td>3</td><td><code>personnummer</code>", page)
    assert re.search(r"<td>6</td><td><code>personnummer</code>", page)
    assert "Importera nu" not in page
    # Forcing the confirmation anyway writes nothing.
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    forced = admin.post(location + "/apply", data={"csrf_token": token, "digest": "x"})
    assert forced.status_code == 422
    with app.app_context():
        assert (_count(Student), _count(User), _count(Guardianship)) == before


def test_reimport_changes_nothing_and_an_update_is_reported(app, login_as):
    admin = login_as("admin")
    original = students_csv(4)
    _import(admin, [("elever.csv", original.encode())])
    with app.app_context():
        before = _count(Student), _count(User), _count(Guardianship), _count(GroupTransfer)

    location, again = _preview(admin, [("elever.csv", original.encode())])
    page = again.get_data(as_text=True)
    assert "det finns inget att importera" in page and "Importera nu" not in page
    assert re.search(r"<dt>Elever som lämnas som de är</dt><dd>4</dd>", page)

    updated = original.replace("Elev2;", "Elvira;").replace(
        f"{personnummer(3)};Elev3;Importsson;7A", f"{personnummer(3)};Elev3;Importsson;9C"
    )
    location, preview = _preview(admin, [("elever.csv", updated.encode())])
    page = preview.get_data(as_text=True)
    assert "Elev2 Importsson: Förnamn Elev2 → Elvira" in page
    assert "Elev3 Importsson: 7A → 9C" in page
    assert re.search(r"<dt>Uppdaterade elever</dt><dd>1</dd>", page)
    _confirm(admin, location, page)
    with app.app_context():
        assert _count(Student) == before[0] and _count(User) == before[1]
        assert db.session.scalar(select(Student).where(Student.first_name == "Elvira"))
        moved = db.session.scalar(select(GroupTransfer).order_by(GroupTransfer.id.desc()))
        assert (moved.from_group.name, moved.to_group.name) == ("7A", "9C")
        assert _count(GroupTransfer) == before[3] + 1


def test_one_file_per_kind_and_matching_by_external_id(app, login_as):
    admin = login_as("admin")
    students = "external_id;first_name;last_name\nSIS-1;Nils;Utan\nSIS-2;Vera;Utan\n"
    guardians = (
        "external_id;guardian_name;guardian_email;guardian_shares_household\n"
        "SIS-1;Kim Utan;kim@example.net;ja\n"
        "SIS-1;Alex Annan;alex@example.net;nej\n"
        "SIS-2;Kim Utan;kim@example.net;ja\n"
    )
    groups = "external_id;group\nSIS-1;7A\nSIS-2;8B\n"
    page = _import(
        admin,
        [
            ("vh.csv", guardians.encode()),
            ("grupper.csv", groups.encode()),
            ("elever.csv", students.encode()),
        ],
    )
    assert "Importen är klar" in page
    with app.app_context():
        nils = db.session.scalar(select(Student).where(Student.external_id == "SIS-1"))
        assert nils.personnummer is None
        links = {(g.guardian.email, g.shares_household) for g in nils.guardianships}
        assert links == {("kim@example.net", True), ("alex@example.net", False)}
        kim = db.session.scalar(select(User).where(User.email == "kim@example.net"))
        assert len(kim.guardianships) == 2  # siblings share one guardian account
    # Later the SIS adds the personnummer: same student, updated, not a new one.
    later = f"personnummer;external_id;first_name;last_name\n{personnummer(7)};SIS-1;Nils;Utan\n"
    _import(admin, [("elever.csv", later.encode())])
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Student).where(Student.last_name == "Utan")
            )
            == 2
        )
        assert db.session.scalar(
            select(Student).where(Student.external_id == "SIS-1")
        ).personnummer == personnummer(7)


def test_a_student_of_another_school_is_refused(app, login_as):
    admin = login_as("admin")
    with app.app_context():
        other = School(name="Norrskolan", unit_code="99999999")
        db.session.add(
            Student(school=other, first_name="Ola", last_name="Norr", personnummer=personnummer(9))
        )
        db.session.commit()
    _location, preview = _preview(
        admin,
        [
            (
                "elever.csv",
                f"personnummer;first_name;last_name\n{personnummer(9)};Ola;Norr\n".encode(),
            )
        ],
    )
    assert "Personnumret hör till en elev på en annan skola." in preview.get_data(as_text=True)


def test_a_phone_the_guardian_confirmed_is_kept(app, login_as):
    admin = login_as("admin")
    _import(admin, [("elever.csv", students_csv(1).encode())])
    with app.app_context():
        parent = db.session.scalar(select(User).where(User.email == "parent0@example.net"))
        details = db.session.scalar(
            select(ContactDetails).where(ContactDetails.user_id == parent.id)
        )
        from app.contacts.details import confirm

        details.mobile = "+46701234567"
        confirm(parent)
        db.session.commit()
    changed = students_csv(1).replace("070-000 00 00", "070-999 99 99")
    _location, preview = _preview(admin, [("elever.csv", changed.encode())])
    assert "det finns inget att importera" in preview.get_data(as_text=True)


def test_confirming_twice_imports_once(app, login_as):
    admin = login_as("admin")
    location, preview = _preview(admin, [("elever.csv", students_csv(2).encode())])
    page = preview.get_data(as_text=True)
    with app.app_context():
        before = _count(Student)
    assert _confirm(admin, location, page).status_code == 303
    assert _confirm(admin, location, page).status_code == 303
    with app.app_context():
        assert _count(Student) == before + 2


def test_a_change_since_the_preview_asks_again(app, login_as):
    admin = login_as("admin")
    location, preview = _preview(admin, [("elever.csv", students_csv(2).encode())])
    page = preview.get_data(as_text=True)
    with app.app_context():  # meanwhile someone adds one of the guardians
        db.session.add(User(email="parent1@example.net", name="Redan Här"))
        db.session.commit()
    response = _confirm(admin, location, page)
    assert response.status_code == 409
    assert "Skolans uppgifter har ändrats sedan förhandsvisningen." in response.get_data(
        as_text=True
    )


def test_upload_without_a_file_says_so(login_as):
    admin = login_as("admin")
    response = admin.post(
        "/admin/schools/1/import",
        data={"csrf_token": csrf_token(admin, "/admin/schools/1/import"), "school_year": "1"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Välj en eller flera CSV-filer." in response.get_data(as_text=True)


def test_a_thousand_students_import_in_one_transaction(app, ctx):
    """The figure for the closing note: `pytest -s -k thousand tests/admin`."""
    with app.test_request_context():
        school = db.session.get(School, 1)
        year = school.school_years[0]
        admin = db.session.scalar(select(User).where(User.email == "admin@example.org"))
        files = [{"name": "kommun.csv", "text": students_csv(1000)}]
        started = time.perf_counter()
        plan = importer.plan(school, year, files)
        planned = time.perf_counter()
        importer.apply(plan, school, year, admin)
        db.session.commit()
        applied = time.perf_counter()
        again = importer.plan(school, year, files)
        replanned = time.perf_counter()
        print(
            f"\n1,000 students: dry run {planned - started:.2f} s, "
            f"write {applied - planned:.2f} s, re-import dry run {replanned - applied:.2f} s"
        )
        assert plan.summary()["students_new"] == 1000
        assert plan.summary()["guardians_new"] == 2000
        assert again.changes == 0 and again.students_unchanged == 1000


def test_ss12000_column_names_and_security_marking(app):
    text = (
        "id;civicNo.value;givenName;familyName;securityMarking\n"
        f"P-1;{personnummer(11)};Ada;Ek;Skyddad folkbokföring\n"
        f"P-2;{personnummer(12)};Bo;Ek;Ingen\n"
    )
    with app.test_request_context():
        school = db.session.get(School, 1)
        plan = importer.plan(
            school, school.school_years[0], [{"name": "ss12000.csv", "text": text}]
        )
        assert plan.ok
        flags = {
            e["first_name"]: (e["external_id"], e["protected_identity"]) for e in plan.students_new
        }
        assert flags == {"Ada": ("P-1", True), "Bo": ("P-2", False)}


def test_create_admin_command_makes_a_site_admin(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "Chef@Kommun.se", "Kim Chef"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "chef@kommun.se"))
        assert user.is_site_admin
        from app.outbox import OutboxMessage

        assert db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.recipient == "chef@kommun.se")
        )
