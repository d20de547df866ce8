-- The customer list's order, stored: `name_key` is the name folded the German way (domain::fold::name_key), and the
-- index gives the list's first page without reading every name (issue 15: 100,000 customers on screen in 40 ms).
-- SQL cannot fold; Rust fills customers.name_key for the rows that are here, in this migration's transaction.
-- Every writer of a name writes its key (src/store/customers.rs).
ALTER TABLE customers ADD COLUMN name_key TEXT;
CREATE INDEX customers_by_name_key ON customers(name_key);
