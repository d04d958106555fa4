import pytest

from guidance.ingest import ingest_file
from guidance.ingest import main as ingest_main
from guidance.parser import GuidanceFormatError
from guidance.store import GuidanceStore
from tests.conftest import WALKING_DOC, WALKING_SLUG


def test_ingestion_stores_every_passage(store):
    passages = store.passages(WALKING_SLUG)
    assert len(passages) == 14
    assert [p.key for p in store.disclaimers(WALKING_SLUG)] == ["note-5"]
    version = store.active_version(WALKING_SLUG)
    assert version.title == "Can Walking Help with Lower Back Pain?"
    assert len(version.content_hash) == 64
    assert version.source_path == "guidance/documents/walking-lower-back-pain.txt"


def test_junk_never_reaches_the_store(store):
    for passage in store.passages(WALKING_SLUG):
        assert "Pretium" not in passage.text and "Leave a Comment" not in passage.text


def test_ingestion_is_idempotent(store):
    first = store.active_version(WALKING_SLUG)
    again = ingest_file(store, WALKING_DOC)
    assert not again.changed
    assert again.version == first
    assert len(store.versions(WALKING_SLUG)) == 1
    assert len(store.passages(WALKING_SLUG)) == 14


def test_an_edit_becomes_a_new_active_version(store, tmp_path):
    edited = tmp_path / "walking-lower-back-pain.txt"
    edited.write_bytes(WALKING_DOC.read_bytes().replace(b"feet, legs, hips, and torso", b"legs and core"))
    result = ingest_file(store, edited)
    assert result.changed
    versions = store.versions(WALKING_SLUG)
    assert len(versions) == 2 and versions[-1].version_id == result.version.version_id
    assert versions[0].content_hash != versions[1].content_hash
    [muscles] = store.passages(WALKING_SLUG, ["strengthening-muscles"])
    assert "legs and core" in muscles.text


@pytest.mark.parametrize(
    "content",
    [b"", b"\xff\xfe\x00bad", b"Just a title\n\nand a paragraph without any list.\n"],
    ids=["empty", "not-utf8", "no-structure"],
)
def test_a_bad_file_is_rejected_and_the_previous_version_keeps_serving(store, tmp_path, content):
    before = store.active_version(WALKING_SLUG)
    bad = tmp_path / "walking-lower-back-pain.txt"
    bad.write_bytes(content)
    with pytest.raises(GuidanceFormatError, match="walking-lower-back-pain.txt"):
        ingest_file(store, bad)
    assert store.active_version(WALKING_SLUG) == before
    assert len(store.passages(WALKING_SLUG)) == 14


def test_the_command_reports_a_bad_file_and_fails(store, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WALKWISE_GUIDANCE_DB_URL", str(store.engine.url))
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\x01")
    assert ingest_main([str(bad), "--slug", WALKING_SLUG]) == 1
    err = capsys.readouterr().err
    assert "rejected" in err and "keeps serving" in err
    assert len(store.passages(WALKING_SLUG)) == 14


def test_the_database_url_comes_from_the_environment(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("WALKWISE_GUIDANCE_DB_URL", url)
    assert ingest_main([str(WALKING_DOC)]) == 0
    assert (tmp_path / "elsewhere.db").exists()
    assert len(GuidanceStore(url).passages(WALKING_SLUG)) == 14
