"""The server that scripts/run.sh starts: login page and admin login."""


def test_login_page_served(live_server, admin_session):
    """/web/login answers 200 and admin can log in."""
    import requests

    reply = requests.get(f"{live_server}/web/login", timeout=30)
    assert reply.status_code == 200
    assert "Log in" in reply.text
    info = admin_session.post(f"{live_server}/web/session/get_session_info", json={"params": {}}, timeout=30).json()
    assert info["result"]["username"] == "admin"
