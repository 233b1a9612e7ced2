-- Hand-written (drizzle-kit does not model triggers): `reviews_delete_findings` (0002) finds the deleted
-- reviews' findings through the primary key. Joined with the transition table, which has no statistics,
-- the DELETE was planned as a hash join over a sequential scan of all findings: a scan of the whole table
-- for every statement that deletes reviews (each purge batch), growing with the table. The ids in the
-- reviews' ranges as one array make it an index scan on `findings_pkey`, as long as the ranges are; the
-- review id check keeps a wrong range from deleting another review's findings (one being deleted in the
-- same statement may lose them either way).
CREATE OR REPLACE FUNCTION "reviews_delete_findings"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM "findings" AS f
	WHERE f."row_id" = ANY (ARRAY(
		SELECT generate_series(d."findings_first", d."findings_last") FROM "deleted_reviews" AS d
		WHERE d."findings_first" IS NOT NULL AND d."findings_last" IS NOT NULL))
	AND f."review_id" = ANY (ARRAY(SELECT d."id" FROM "deleted_reviews" AS d));
	RETURN NULL;
END $$;
