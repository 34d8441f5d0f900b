"""Create data.db for this conformance case (python3 make_db.py)."""
import os
import sqlite3

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "data.db")

ROWS = [
    # day, region, amount, units
    ("2024-02-01", "north", 12.5, 3),
    ("2024-02-01", "south", 3.25, 1),
    ("2024-02-02", "north", 8.0, 2),
    ("2024-02-02", "south", 6.75, None),
    ("2024-02-03", "north", 15.0, 4),
    ("2024-02-03", "south", 2.0, 1),
    ("2024-02-04", "north", 1.125, 1),
]

if os.path.exists(PATH):
    os.remove(PATH)
con = sqlite3.connect(PATH)
con.execute("CREATE TABLE daily (day TEXT, region TEXT, amount REAL, units INTEGER)")
con.executemany("INSERT INTO daily VALUES (?, ?, ?, ?)", ROWS)
con.commit()
con.close()
