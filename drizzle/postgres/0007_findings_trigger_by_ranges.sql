-- Hand-written: `reviews_delete_findings` (0002) deleted the findings of all the deleted reviews in one join,
-- which the planner runs as a hash join on review_id over the whole findings table (it cannot tell that each
-- review's BETWEEN range holds ~50 rows): every purge batch scanned every finding, 217 ms a batch of 64
-- reviews at 1M findings, so a purge grew with the square of the table (bench/README.md). One range
-- delete per deleted review reads only that review's rows from the primary key, whatever the table's size.
CREATE OR REPLACE FUNCTION "reviews_delete_findings"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT "id", "findings_first", "findings_last" FROM "deleted_reviews" WHERE "findings_first" IS NOT NULL LOOP
		DELETE FROM "findings" WHERE "row_id" BETWEEN r."findings_first" AND r."findings_last" AND "review_id" = r."id";
	END LOOP;
	RETURN NULL;
END $$;
