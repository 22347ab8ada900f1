"""kombu's filesystem broker, made safe for several processes reading one queue folder.

kombu's own ``filesystem`` transport (5.x) writes a message by creating its ``.msg`` file in the
queue folder and then writing the body into it, holding an ``flock`` the reader never asks for.
Another process polling the folder can therefore take the file between the two steps and read
it empty (or, in principle, partly written): ``json.loads`` then raises ``JSONDecodeError``
inside the consumer, which Celery treats as an unrecoverable error, so the worker stops and the
message is lost. A writer killed between the two steps (a worker SIGKILLed while it enqueues a
retry) leaves an empty ``.msg`` that would stop every worker of that queue the same way. The
faster the polling (``CELERY_POLLING_INTERVAL``) and the more workers, the likelier it is.

This transport closes both holes:

* a message is written under a name no reader looks at (``.<name>.part``) and then renamed into
  place, and a rename within one folder is atomic: a reader sees the whole message or nothing;
  a writer that dies mid-write leaves only a ``.part`` file, pruned with the processed messages;
* a message file that still cannot be read as JSON (one written by another program, a disk
  error) is set aside as ``.bad`` in the processed folder with a warning, and the worker goes on;
* an exchange table (control folder) read empty because its writer had created it but not yet
  written it is read again a moment later.

Selected by ``CELERY_BROKER_TRANSPORT`` in the settings when no ``REDIS_URL`` is set.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
import uuid
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

PART_SUFFIX = ".part"
BAD_SUFFIX = ".bad"


class Channel(filesystem.Channel):
    def get_table(self, exchange):
        """The exchange's table of queues. kombu creates a new table file before it locks and
        writes it, so a process declaring the same queue at that moment can read it empty (and
        fail to send a task): read it again a moment later."""
        for pause in (0.01, 0.05, 0.2, None):
            try:
                return super().get_table(exchange)
            except ValueError:
                if pause is None:
                    raise
                time.sleep(pause)
        return []

    def _put(self, queue, payload, **kwargs):
        """Put ``payload`` onto ``queue``: written aside, then renamed into the queue folder."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot: ``name.partition('.')[2]`` never equals "<queue>.msg", so no reader,
        # purge or size count takes a message still being written.
        partial = os.path.join(self.data_folder_out, f".{name}{PART_SUFFIX}")
        try:
            with open(partial, "wb", buffering=0) as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue):
        """The next message of ``queue``; a file that is not a message is set aside, not fatal."""
        queue_find = f"{queue}.msg"
        processed_folder = self.processed_folder if self.store_processed else tempfile.gettempdir()
        for filename in sorted(os.listdir(self.data_folder_in)):
            if filename.partition(".")[2] != queue_find:
                continue
            try:
                # Taking the file is the move: of several readers only one succeeds.
                shutil.move(os.path.join(self.data_folder_in, filename), processed_folder)
            except OSError:
                continue
            path = os.path.join(processed_folder, filename)
            try:
                with open(path, "rb") as handle:
                    body = handle.read()
                if not self.store_processed:
                    os.remove(path)
            except OSError as exc:
                raise ChannelError(f"Cannot read file {path!r} from queue.") from exc
            try:
                return loads(bytes_to_str(body))
            except ValueError:
                logger.warning(
                    "broker: %s is not a readable message (%d bytes); set aside",
                    filename,
                    len(body),
                )
                bad = os.path.join(self.processed_folder or tempfile.gettempdir(), filename)
                with contextlib.suppress(OSError):
                    if self.store_processed:
                        os.replace(path, bad + BAD_SUFFIX)
                    else:
                        with open(bad + BAD_SUFFIX, "wb") as handle:
                            handle.write(body)
                continue
        raise Empty()


class Transport(filesystem.Transport):
    Channel = Channel
