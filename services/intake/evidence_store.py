"""Evidence files in MongoDB GridFS (bucket `evidence`), with who uploaded them for which member."""
import gridfs
import mongoengine
from bson import ObjectId
from bson.errors import InvalidId

BUCKET = "evidence"


def _bucket():
    return gridfs.GridFSBucket(mongoengine.connection.get_db(), bucket_name=BUCKET)


def download_url(file_id) -> str:
    return f"/api/v1/evidence/{file_id}"


def save(data: bytes, *, filename: str, media_type: str, sha256: str, member_code: str, uploaded_by: str) -> dict:
    file_id = _bucket().upload_from_stream(
        filename or "evidence", data,
        metadata={"media_type": media_type, "sha256": sha256, "member_code": member_code, "uploaded_by": uploaded_by},
    )
    return describe_file(str(file_id), filename, media_type, sha256, len(data))


def describe_file(file_id, filename, media_type, sha256, size) -> dict:
    return {"file_id": file_id, "filename": filename, "media_type": media_type, "sha256": sha256, "size": size,
            "download_url": download_url(file_id)}


def find(file_ids) -> dict:
    """{file_id: (member_code, description)} for the ids that exist."""
    object_ids = []
    for file_id in file_ids:
        try:
            object_ids.append(ObjectId(file_id))
        except InvalidId:
            continue
    found = {}
    for grid_out in _bucket().find({"_id": {"$in": object_ids}}):
        meta = grid_out.metadata or {}
        found[str(grid_out._id)] = (meta.get("member_code"), describe_file(
            str(grid_out._id), grid_out.filename, meta.get("media_type"), meta.get("sha256"), grid_out.length))
    return found


def open_file(file_id):
    """(member_code, description, readable stream) or None."""
    try:
        grid_out = _bucket().open_download_stream(ObjectId(file_id))
    except (InvalidId, gridfs.errors.NoFile):
        return None
    meta = grid_out.metadata or {}
    return meta.get("member_code"), describe_file(file_id, grid_out.filename, meta.get("media_type"), meta.get("sha256"),
                                                   grid_out.length), grid_out


def count() -> int:
    db = mongoengine.connection.get_db()
    return db[f"{BUCKET}.files"].count_documents({}) + db[f"{BUCKET}.chunks"].count_documents({})
