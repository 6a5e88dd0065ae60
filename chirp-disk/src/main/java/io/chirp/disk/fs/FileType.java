package io.chirp.disk.fs;

/** What a name or an inode is, with the letter the Sleuth Kit prints for it in body files and {@code fls}. */
public enum FileType {
    UNKNOWN('-'), REGULAR('r'), DIRECTORY('d'), FIFO('p'), CHARACTER('c'), BLOCK('b'), SYMLINK('l'), SOCKET('s'),
    /** Something the tool made up, like the Sleuth Kit's {@code $OrphanFiles}. */
    VIRTUAL('V');

    private final char tsk;

    FileType(char tsk) { this.tsk = tsk; }

    /** {@return the Sleuth Kit's letter for this type} */
    public char tskLetter() { return tsk; }

    /** {@return the type encoded in a POSIX st_mode (S_IFMT bits)} */
    public static FileType fromMode(int mode) {
        return switch (mode & 0xf000) {
            case 0x1000 -> FIFO;
            case 0x2000 -> CHARACTER;
            case 0x4000 -> DIRECTORY;
            case 0x6000 -> BLOCK;
            case 0x8000 -> REGULAR;
            case 0xa000 -> SYMLINK;
            case 0xc000 -> SOCKET;
            default -> UNKNOWN;
        };
    }
}
