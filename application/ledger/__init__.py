"""Bringing a bureau's existing ledgers (实名制台账) in, row by row.

``sheets`` reads an XLSX or CSV file into a grid of cell values; ``columns``
finds the header (one or two rows, merged cells filled) and maps each column
to a field by its Chinese name; ``cells`` turns a cell into the value a
command takes (dates, codes, yes/no, the ledgers' words for enum values);
``kinds`` says what each kind of ledger needs; ``importer`` checks every row
with the domain's own rules (a dry run) and saves the accepted ones, each
row once, however often the file is imported; ``report`` writes the copy of
the file with a result column.
"""
