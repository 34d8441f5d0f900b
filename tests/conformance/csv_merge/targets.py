"""CSV-script model: prints monthly goals as CSV on stdout.

The goal column is all-integer, the stretch column has an empty field (so it
becomes a float column with a NULL), the note column is text."""
print("month,goal,stretch,note")
print("2024-01,30,35,start")
print("2024-02,25,,\"quiet, cold\"")
print("2024-03,20,22.5,spring")
print("2024-04,10,12,")
