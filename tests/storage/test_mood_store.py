"""The mood tables on SQLite and PostgreSQL: entries stored once, listed, and a person
deleted with every row of theirs."""

from affectkit.storage import Store


def row(person, eid, day, valence=0.1):
    return {"person": person, "id": eid, "day": day, "time": day, "text": f"t {eid}",
            "valence": valence, "emotions": {"joy": 1.0} if eid == "a" else None,
            "label": "positive", "language": "en", "model": "lexicon-en@1"}  # fmt: skip


def test_mood_entries_are_stored_once_listed_and_deleted_per_person(database):
    store = Store(database)
    try:
        new = store.mood.add_entries([row("ana", "a", "2024-01-02"), row("ana", "b", "2024-01-01"),
                                      row("bo", "a", "2024-01-01")])  # fmt: skip
        assert new == {("ana", "a"), ("ana", "b"), ("bo", "a")}
        assert store.mood.add_entries([row("ana", "a", "2024-01-02")]) == set()
        people = store.mood.people()
        assert [(p["person"], p["entries"], p["first_day"]) for p in people] == [
            ("ana", 2, "2024-01-01"), ("bo", 1, "2024-01-01")]  # fmt: skip
        entries = store.mood.entries("ana")
        assert [e["id"] for e in entries] == ["b", "a"] and entries[1]["emotions"] == {"joy": 1.0}
        assert store.mood.delete_person("ana") == 2
        assert store.mood.entries("ana") == [] and store.mood.delete_person("ana") == 0
        assert [p["person"] for p in store.mood.people()] == ["bo"]
    finally:
        store.close()
