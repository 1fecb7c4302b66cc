-- Search plans by how many rows PostgreSQL expects a word to match: a frequent word's newest
-- matches are read off the date index, a rare word's off the search index. With the default
-- statistics (the 1,000 most common lexemes of a 30,000-row sample), a word outside that list is
-- taken to match 0.5 % of the rows; at a million rows the date index then looked cheaper for a word
-- that matched none, and reading all of it took seconds. Ten times the statistics keep ten times
-- the lexemes, and a sample ten times larger, so that rarer words are estimated as rare.
ALTER TABLE "statements" ALTER COLUMN "search_vector" SET STATISTICS 1000;
ALTER TABLE "attack_events" ALTER COLUMN "search_vector" SET STATISTICS 1000;
ALTER TABLE "sources" ALTER COLUMN "search_vector" SET STATISTICS 1000;
