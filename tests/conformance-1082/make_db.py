"""Create data.db in every case directory given (python3 make_db.py CASE_DIR...).

Every case reads the same small shop: table sales (one NULL region, one NULL units) and table
regions. Built with python3's stdlib sqlite3; the bytes depend on the SQLite version, the data
does not.
"""
import os
import sqlite3
import sys

SALES = [
    # id, region, product, day, amount, units
    (1, "north", "apple", "2024-01-01", 10.5, 3),
    (2, "north", "pear", "2024-01-01", 4.25, 1),
    (3, "north", "apple", "2024-01-02", 7.0, 0),
    (4, "north", "plum", "2024-01-03", 12.75, 5),
    (5, "south", "apple", "2024-01-01", 3.5, 2),
    (6, "south", "pear", "2024-01-02", 0.5, None),
    (7, "south", "pear", "2024-01-03", 9.0, 4),
    (8, "south", "plum", "2024-01-03", 1.0, 0),
    (9, "east", "apple", "2024-01-02", 20.0, 6),
    (10, "east", "plum", "2024-01-02", 0.1, 1),
    (11, "east", "plum", "2024-01-03", 0.2, 1),
    (12, None, "apple", "2024-01-03", 5.0, 2),
]

REGIONS = [
    # region, manager, target
    ("north", "Ada", 30),
    ("south", "Ben", 12),
    ("east", "Cy", 25),
]


def make(case_dir):
    path = os.path.join(case_dir, "data.db")
    if os.path.exists(path):
        os.remove(path)
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE sales (id INTEGER, region TEXT, product TEXT, day TEXT,"
        " amount REAL, units INTEGER)"
    )
    con.executemany("INSERT INTO sales VALUES (?, ?, ?, ?, ?, ?)", SALES)
    con.execute("CREATE TABLE regions (region TEXT, manager TEXT, target INTEGER)")
    con.executemany("INSERT INTO regions VALUES (?, ?, ?)", REGIONS)
    con.commit()
    con.close()


for case_dir in sys.argv[1:]:
    make(case_dir)
