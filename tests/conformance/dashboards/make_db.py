"""Create data.db for this conformance case (python3 make_db.py)."""
import os
import sqlite3

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "data.db")

ROWS = [
    # week, team, tickets, hours
    (1, "red", 5, 2.5),
    (1, "blue", 3, 1.0),
    (2, "red", 8, 4.0),
    (2, "blue", 2, 0.75),
    (2, "green", 4, 3.5),
    (3, "red", 6, 3.0),
    (3, "green", 1, 0.25),
]

if os.path.exists(PATH):
    os.remove(PATH)
con = sqlite3.connect(PATH)
con.execute("CREATE TABLE tickets (week INTEGER, team TEXT, tickets INTEGER, hours REAL)")
con.executemany("INSERT INTO tickets VALUES (?, ?, ?, ?)", ROWS)
con.commit()
con.close()
