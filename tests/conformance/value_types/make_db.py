"""Create data.db for this conformance case (python3 make_db.py)."""
import os
import sqlite3

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "data.db")

ROWS = [
    # id, sensor, year, weight, day, stamp, reading, count_value, label, big
    (1, "alpha", 2023, 1.5, "2024-03-01", "2024-03-01 12:30:00", 1 / 3, 4, "plain", 12345678901234567),
    (2, "alpha", 2023, 2.0, "2024-03-02", "2024-03-02 08:00:00", 0.1 + 0.2, None, "caf\u00e9", 2),
    (3, "alpha", 999, 10.0, "2024-03-03", "2024-03-03 23:59:59", 2.5, 7, "a/b", 3),
    (4, "beta", 2023, 1.5, "2024-03-01", "2024-03-01 00:00:00", -7.125, None, None, 4),
    (5, "beta", 999, None, "2024-03-02", "2024-03-02 06:15:00", 1e20, 0, "it's \"quoted\"", 5),
    (6, "beta", 2024, 2.0, "2024-03-03", "2024-03-03 18:45:30", 1.23e-7, 2, "\u20ac 5", 6),
    (7, "Gamma", 2024, 10.0, "2024-03-01", "2024-03-01 09:00:00", 16 / 3, 1, "line", 7),
    (8, None, 2023, 1.5, "2024-03-02", "2024-03-02 10:10:10", 4.0, 3, "no sensor", 8),
    (9, "gamma", 999, 2.0, "2024-03-03", "2024-03-03 11:11:11", 100.0, None, "", 9),
]

if os.path.exists(PATH):
    os.remove(PATH)
con = sqlite3.connect(PATH)
con.execute(
    "CREATE TABLE readings (id INTEGER, sensor TEXT, year INTEGER, weight REAL,"
    " day TEXT, stamp TEXT, reading REAL, count_value INTEGER, label TEXT,"
    " big INTEGER)"
)
con.executemany("INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ROWS)
con.commit()
con.close()
