"""``feeder preview``: the editor's desk, a local web server to keep open beside the editor.

It shows each week's digest as it will be sent: desktop and phone width and
dark mode side by side, the subject, sender, preheader, the size as sent
against Gmail's clip, and every warning and post problem of the week; it
reloads itself when a post, a template or the config changes, and sends a
test of the week to the editors (``preview.test_to``).  It binds 127.0.0.1.

    desk.py     what the pages show, as plain values (made in forked children)
    facts.py    the size as sent and the preheader, read off an issue
    watch.py    the stat-only signature of the files, for live reload
    proof.py    "send a test to me"
    pages.py    the pages drawn from those values (templates/ holds them)
    service.py  the running desk: config reloads, forked renders, what is kept
    app.py      HTTP: routes, the loopback check, the event stream, the guarded form
    server.py   the one uvicorn process on 127.0.0.1
"""
