"""Create main.db and lookup.db for this conformance case (python3 make_db.py)."""
import os
import sqlite3

HERE = os.path.dirname(os.path.abspath(__file__))


def create(name, ddl, insert, rows):
    path = os.path.join(HERE, name)
    if os.path.exists(path):
        os.remove(path)
    con = sqlite3.connect(path)
    con.execute(ddl)
    con.executemany(insert, rows)
    con.commit()
    con.close()


create(
    "main.db",
    "CREATE TABLE facts (id INTEGER, code TEXT, day TEXT, value REAL)",
    "INSERT INTO facts VALUES (?, ?, ?, ?)",
    [
        (1, "A", "2024-05-01", 1.5),
        (2, "B", "2024-05-01", 2.25),
        (3, "A", "2024-05-02", 3.0),
        (4, "C", "2024-05-02", 4.75),
        (5, "B", "2024-05-03", 0.5),
        (6, "Z", "2024-05-03", 9.0),
    ],
)
create(
    "lookup.db",
    "CREATE TABLE codes (code TEXT, label TEXT, weight INTEGER)",
    "INSERT INTO codes VALUES (?, ?, ?)",
    [
        ("A", "Alpha", 1),
        ("B", "Bravo", 2),
        ("C", "Charlie", None),
    ],
)
