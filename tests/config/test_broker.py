"""The filesystem broker (config/broker.py): a message is seen whole or not at all, and a file
in the queue folder that is not a message is set aside instead of stopping the worker."""

from __future__ import annotations

import threading
from pathlib import Path

from kombu import Connection, Queue


def _connection(folder: Path) -> Connection:
    for name in ("queue", "processed", "control"):
        (folder / name).mkdir(exist_ok=True)
    return Connection(
        "filesystem://",
        transport="config.broker:Transport",
        transport_options={
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
            "store_processed": True,
            "processed_folder": str(folder / "processed"),
        },
    )


def test_an_empty_or_broken_message_file_is_set_aside_and_the_next_one_read(tmp_path):
    with _connection(tmp_path) as connection:
        queue = Queue("work", routing_key="work")
        # What a writer killed between creating the file and writing it leaves behind (kombu's
        # own transport), and a file cut short: both sort before the real message.
        (tmp_path / "queue" / "0_a.work.msg").write_bytes(b"")
        (tmp_path / "queue" / "0_b.work.msg").write_bytes(b'{"body": "eyJ')
        connection.SimpleQueue(queue).put({"n": 1})
        with connection.SimpleQueue(queue) as simple:
            message = simple.get(timeout=2)
            assert message.payload == {"n": 1}
            message.ack()
    bad = sorted(p.name for p in (tmp_path / "processed").glob("*.bad"))
    assert bad == ["0_a.work.msg.bad", "0_b.work.msg.bad"]


def test_readers_never_see_a_message_half_written(tmp_path):
    """Four writers and two readers on one folder, as workers enqueueing retries do: every
    message arrives whole, once; nothing is set aside."""
    count, writers = 150, 4
    body = {"text": "x" * 20000}  # large enough that writing it is not instant
    received: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def write(start: int) -> None:
        with _connection(tmp_path) as connection, connection.SimpleQueue("work") as simple:
            for n in range(start, count * writers, writers):
                simple.put({**body, "n": n})

    def read() -> None:
        try:
            with _connection(tmp_path) as connection, connection.SimpleQueue("work") as simple:
                while True:
                    with lock:
                        if len(received) >= count * writers:
                            return
                    try:
                        message = simple.get(timeout=0.5)
                    except simple.Empty:
                        continue
                    with lock:
                        received.append(message.payload["n"])
                    message.ack()
        except BaseException as exc:  # reported below
            errors.append(exc)

    # The queue and its binding exist before the race starts, as they do once a worker runs (the
    # exchange table is written when a queue is first declared; see get_table in the transport).
    with _connection(tmp_path) as connection, connection.SimpleQueue("work"):
        pass
    threads = [threading.Thread(target=read) for _ in range(2)]
    threads += [threading.Thread(target=write, args=(start,)) for start in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(received) == list(range(count * writers))
    assert not list((tmp_path / "processed").glob("*.bad"))
    assert not list((tmp_path / "queue").glob(".*.part"))
