"""Create data.db for this conformance case (python3 make_db.py)."""
import os
import sqlite3

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "data.db")

ROWS = [
    # id, region, product, day, amount, units
    (1, "north", "apple", "2024-01-01", 10.5, 3),
    (2, "north", "pear", "2024-01-01", 4.25, 1),
    (3, "north", "apple", "2024-01-02", 7.0, 0),
    (4, "north", "plum", "2024-01-03", 12.75, 5),
    (5, "south", "apple", "2024-01-01", 3.5, 2),
    (6, "south", "pear", "2024-01-02", 0.5, 1),
    (7, "south", "pear", "2024-01-03", 9.0, 4),
    (8, "south", "plum", "2024-01-03", 1.0, 0),
    (9, "east", "apple", "2024-01-02", 20.0, 6),
    (10, "east", "plum", "2024-01-02", 0.25, 1),
    (11, None, "apple", "2024-01-03", 5.0, 2),
]

if os.path.exists(PATH):
    os.remove(PATH)
con = sqlite3.connect(PATH)
con.execute(
    "CREATE TABLE sales (id INTEGER, region TEXT, product TEXT, day TEXT,"
    " amount REAL, units INTEGER)"
)
con.executemany("INSERT INTO sales VALUES (?, ?, ?, ?, ?, ?)", ROWS)
con.commit()
con.close()
