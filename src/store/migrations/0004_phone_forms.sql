-- The readable forms of each number, computed when it is written, so listing customers never needs the phone-number
-- metadata (loading it cost ~60 ms per process start). Empty for rows written before: they are formatted on display.
ALTER TABLE customers ADD COLUMN phone_national TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN phone_international TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN phone_region TEXT NOT NULL DEFAULT '';
