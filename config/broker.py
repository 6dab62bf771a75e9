"""kombu's filesystem transport (`make run`'s broker) with atomic writes.

kombu creates a message file empty and then writes it; a worker polling the folder can move
and read it in between, fail to decode an empty payload and stop ("Unrecoverable error:
JSONDecodeError"). Here a message is written under a name the reader ignores, then renamed into
place (`os.replace` is atomic), so a reader only ever sees whole messages.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put `payload` onto `queue`: write `.<name>.tmp`, then rename it to `<name>`."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.tmp")
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
