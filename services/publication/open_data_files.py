"""Open data rendered once per content into a file, batch by batch, and every download streamed from it.

Why: the CSV and the JSON hold every published commitment (at 1,000 findings of 20 commitments, 5 and
15 MB; ten times that at 10,000). Rendered whole in memory per download they took publication from 128
to 410 MB, and a body that size was too big to keep, so every download rendered everything again
(bench/FINDINGS.md, 2026-12-01).

What is rendered: the findings in force as of the last position given (positions.top): the ids
`queries.open_data_ids` reads window by window of positions, read `BATCH` at a time by id and rendered
piece by piece (open_data.csv_pieces / json_pieces) into a file in a temporary directory of this
process's own. The process holds one batch at a time (and the ids of the cases seen), whatever the
number of findings, and the first piece is written after the first window and batch. A finding's
content never changes once published (a correction or a withdrawal is a new version at a higher
position, and only `superseded_by`, which open data does not show, is ever updated), so the position
names the content exactly, whatever is published during the rendering: the ETag is a digest of the
format, the columns and that position, and one content is rendered once.

Streaming: a download does not wait for the rendering to end. It reads the file as far as it is
written and waits for the next piece (such a download has no Content-Length: it is sent chunked; a
download of a finished file has one). Downloads started on a file keep reading that file after a
newer content replaces it (its name is unlinked; an open file still reads whole), so no answer mixes
two versions, and each answer's ETag names what it holds.

When the ids are read again: when the freshness marker (services/publication/freshness.py) has
changed since they were last read, so an If-None-Match that still matches is answered 304 without a
database read, as every other public read is.

The rendering yields to the hub after each batch, so the service's other requests are served
meanwhile; it runs in a thread of its own (not a request's), so a client that goes away mid-download
does not stop it for the others.
"""
import hashlib
import itertools
import os
import shutil
import tempfile

import eventlet
import structlog
from eventlet.event import Event
from eventlet.semaphore import Semaphore
from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Response

from services.publication import open_data, positions, queries, views
from services.publication.freshness import not_modified, public_headers

# Findings read and rendered at a time: 25 findings of 20 commitments are 500 rows, ~0.4 MB of JSON, and
# some 20 ms of this process's time between two yields to the hub (the read itself waits green). On
# SecantusDB a finding costs about the same 2-3.5 ms of the database's time read 1, 5, 25 or 100 by id.
BATCH = 25
CHUNK = 64 * 1024  # what a download reads from the file at a time
FORMATS = {
    "csv": {"content_type": "text/csv; charset=utf-8", "headers": {"Content-Disposition": 'attachment; filename="irm-commitments.csv"'}},
    "json": {"content_type": "application/json", "headers": {}},
}
log = structlog.get_logger("irm.publication.open_data")


def content_etag(kind: str, top: int) -> str:
    """The ETag of the open data of `kind` holding the findings in force as of position `top`."""
    digest = hashlib.sha256("\n".join([kind, "|".join(open_data.FIELDNAMES), str(top)]).encode())
    return f'"{digest.hexdigest()[:32]}"'


def tables(top, batch=BATCH):
    """The rows of the findings in force as of position `top`, newest first, one table per `batch` findings."""
    finding_ids = queries.open_data_ids(top)
    while batch_ids := list(itertools.islice(finding_ids, batch)):
        yield open_data.rows(views.finding_view(f) for f in queries.findings_by_id(batch_ids))


class RenderingFailed(Exception):
    pass


class Rendition:
    """One open-data file: its format and ETag, and how far its rendering has gone."""

    def __init__(self, kind, etag, path):
        self.kind, self.etag, self.path = kind, etag, path
        self.finished = False
        self.failed = False
        self.progress = Event()  # sent (and replaced) whenever a piece is written, and when the rendering ends

    def advanced(self):
        progress, self.progress = self.progress, Event()
        progress.send()

    def download(self) -> "Download":
        return Download(self)


class Download:
    """The body of one download: its rendition's file from the start, read as far as it is written, to its end.
    Opened here, when the answer is made: the file can be unlinked afterwards, the download still reads it."""

    def __init__(self, rendition):
        self.rendition = rendition
        self.file = open(rendition.path, "rb")
        self.size = os.fstat(self.file.fileno()).st_size if rendition.finished else None

    def __iter__(self):
        while True:
            # Both taken before the read: a piece written after it wakes the wait, and a finished
            # rendering's file ends where this read ends.
            progress, finished = self.rendition.progress, self.rendition.finished
            piece = self.file.read(CHUNK)
            if piece:
                yield piece
            elif finished:
                return
            elif self.rendition.failed:
                # Mid-body: the connection is closed without the chunked body's end, so the client sees a failed download.
                raise RenderingFailed(f"open data {self.rendition.etag} failed while it was being sent")
            else:
                progress.wait()

    def close(self):
        self.file.close()


class OpenDataFiles(DependencyProvider):
    def setup(self):
        self.directory = None
        self.renditions = {}  # ETag -> Rendition: those being rendered, and the latest of each format
        self.latest = {}  # format -> (freshness marker, Rendition): what a download gets under that marker
        self.choosing = {kind: Semaphore() for kind in FORMATS}

    def start(self):
        self.directory = tempfile.mkdtemp(prefix="irm-open-data-")

    def stop(self):
        self._remove_directory()

    def kill(self):
        self._remove_directory()

    def get_dependency(self, worker_ctx):
        return self

    def respond(self, request, kind, marker):
        """The answer to a download of `kind` under the freshness `marker`: 304 if If-None-Match names the
        content, else the file, streamed as it is rendered."""
        rendition = self.rendition(kind, marker)
        headers = public_headers(rendition.etag, marker)
        if not_modified(request, rendition.etag):
            return Response(status=304, headers=headers)
        download = rendition.download()
        if download.size is not None:
            headers["Content-Length"] = str(download.size)
        return Response(download, status=200, content_type=FORMATS[kind]["content_type"], headers={**FORMATS[kind]["headers"], **headers})

    def rendition(self, kind, marker) -> Rendition:
        """The file a download of `kind` gets under `marker`: the last position is read once per marker, and a content
        not rendered yet (or whose rendering failed) starts rendering."""
        chosen = self.latest.get(kind)
        if chosen is None or chosen[0] != marker or chosen[1].failed:
            with self.choosing[kind]:  # the downloads that arrive meanwhile take what the first one chose
                chosen = self.latest.get(kind)
                if chosen is None or chosen[0] != marker or chosen[1].failed:
                    top = positions.top()
                    etag = content_etag(kind, top)
                    rendition = self.renditions.get(etag)
                    if rendition is None or rendition.failed:
                        rendition = self._start(kind, etag, top)
                    chosen = self.latest[kind] = (marker, rendition)
                    self._retire(kind)
        return chosen[1]

    def _start(self, kind, etag, top):
        rendition = Rendition(kind, etag, os.path.join(self.directory, f"{etag.strip(chr(34))}.{kind}"))
        out = open(rendition.path, "wb")  # created now: a download can open it before the rendering's first piece
        self.renditions[etag] = rendition
        self.container.spawn_managed_thread(lambda: self._render(rendition, out, top), identifier=f"open_data_{kind}")
        return rendition

    def _render(self, rendition, out, top):
        # Catches everything: an exception escaping a managed thread would kill the container.
        try:
            with out:
                for piece in open_data.PIECES[rendition.kind](tables(top)):
                    out.write(piece)
                    out.flush()
                    rendition.advanced()
                    eventlet.sleep(0)  # the batch took the hub for a while: let the other requests run
            rendition.finished = True
            log.info("open_data_rendered", kind=rendition.kind, etag=rendition.etag, top=top,
                     bytes=os.path.getsize(rendition.path))
        except Exception:  # noqa: BLE001 -- logged; the next download renders again
            rendition.failed = True
            log.exception("open_data_rendering_failed", kind=rendition.kind, etag=rendition.etag)
        finally:
            rendition.advanced()
            self._retire(rendition.kind)

    def _retire(self, kind):
        """Unlink the files of `kind` no download will open any more: ended (finished or failed), and not the
        latest. The downloads reading one keep their open file."""
        keep = self.latest.get(kind, (None, None))[1]
        for etag, rendition in list(self.renditions.items()):
            if rendition.kind == kind and rendition is not keep and (rendition.finished or rendition.failed):
                del self.renditions[etag]
                _unlink(rendition.path)
        if keep is not None and keep.failed:
            self.renditions.pop(keep.etag, None)
            _unlink(keep.path)

    def _remove_directory(self):
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
