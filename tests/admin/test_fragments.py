"""htmx: a form with errors answers 422 with just the form (the block), and the student
search answers with just the results; both must render on their own."""

from tests.conftest import csrf_token


def test_admin_forms_and_search_answer_htmx_with_fragments(login_as):
    admin = login_as("admin")
    for path, data, target in (
        ("/admin/years/1/groups/new", {"name": ""}, "group-form"),
        ("/admin/schools/1/policy", {"mentor_max_days": "-1"}, "policy-form"),
        ("/admin/schools/1/years/new", {"name": "x"}, "year-form"),
    ):
        token = csrf_token(admin, path)
        r = admin.post(
            path,
            data={"csrf_token": token, **data},
            headers={"HX-Request": "true", "HX-Target": target},
        )
        body = r.get_data(as_text=True)
        assert r.status_code == 422 and body.lstrip().startswith("<form")
    r = admin.get(
        "/admin/schools/1/students?q=osk", headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert r.get_data(as_text=True).lstrip().startswith('<div id="results"'), r.get_data(
        as_text=True
    )[:300]
    assert "Oskar" in r.get_data(as_text=True)
    site = login_as("site_admin")
    token = csrf_token(site, "/admin/schools/new")
    r = site.post(
        "/admin/schools/new",
        data={"csrf_token": token, "name": ""},
        headers={"HX-Request": "true", "HX-Target": "school-form"},
    )
    assert r.status_code == 422 and r.get_data(as_text=True).lstrip().startswith("<form")
