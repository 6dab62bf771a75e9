"""`make run`'s filesystem broker (config/broker.py): a message file appears only when whole.

kombu's own transport creates the message file empty and then writes it, so a polling worker
could read an empty payload and stop ("Unrecoverable error: JSONDecodeError").
"""

from __future__ import annotations

import os

from kombu import Connection

from config import broker

COUNT = 20


def test_message_files_appear_whole_and_are_delivered(tmp_path, monkeypatch):
    folder, control = tmp_path / "queue", tmp_path / "control"
    folder.mkdir()
    control.mkdir()
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(control),
        "polling_interval": 0.01,
    }
    seen_before_rename: list[list[str]] = []
    real_replace = os.replace

    def watching_replace(source, target):
        # what a polling worker could pick up at this instant: no message file yet
        seen_before_rename.append([p.name for p in folder.iterdir() if p.name.endswith(".msg")])
        assert os.path.getsize(source) > 0
        real_replace(source, target)

    monkeypatch.setattr(broker.os, "replace", watching_replace)
    with Connection(transport=broker.Transport, transport_options=options) as conn:
        with conn.SimpleQueue("race") as queue:
            received = []
            for number in range(COUNT):
                queue.put({"n": number})
                message = queue.get(timeout=5)
                received.append(message.payload["n"])
                message.ack()

    assert received == list(range(COUNT))
    assert seen_before_rename == [[]] * COUNT
    assert list(folder.iterdir()) == []
