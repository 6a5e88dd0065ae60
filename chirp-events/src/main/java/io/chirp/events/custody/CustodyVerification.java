package io.chirp.events.custody;

/** The outcome of checking the custody log's hash chain. */
public sealed interface CustodyVerification {
    /** {@return true if the chain is intact} */
    boolean intact();

    /**
     * Every record's hash and link checked out.
     *
     * @param records  number of records
     * @param headHash hash of the newest record ({@link CustodyRecord#GENESIS} for an empty log): keep it outside
     *                 the store to detect later truncation
     */
    record Intact(long records, String headHash) implements CustodyVerification {
        @Override public boolean intact() { return true; }
    }

    /**
     * The chain is broken.
     *
     * @param seq    the first record found wrong (or where one is missing)
     * @param reason what is wrong, for the report
     */
    record Broken(long seq, String reason) implements CustodyVerification {
        @Override public boolean intact() { return false; }
    }
}
