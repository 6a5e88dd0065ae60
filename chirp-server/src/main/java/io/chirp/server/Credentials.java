package io.chirp.server;

import io.chirp.core.OwnerOnly;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.chirp.core.ChirpException;
import org.springframework.security.crypto.bcrypt.BCrypt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Users and API tokens, kept in one owner-only JSON file. Nothing secret is stored: passwords as bcrypt hashes
 * (Spring Security's BCrypt, cost {@value #BCRYPT_COST}), tokens as SHA-256 of the token (a token is 256 random
 * bits, so a fast hash is enough; what bcrypt protects against, guessing low-entropy passwords, does not apply).
 * The file is re-read when it changes, so {@code chirp serve users add} takes effect in a running server.
 */
public final class Credentials {
    static final int BCRYPT_COST = 12;
    static final String TOKEN_PREFIX = "chirp_";
    private static final String NAME = "[A-Za-z0-9][A-Za-z0-9._@-]{0,63}";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A user who signs in with a password (HTTP Basic). */
    public record User(String name, Role role, String bcrypt, Instant created) {}

    /** An API token (HTTP Bearer); {@code sha256} is of the whole token text. */
    public record Token(String id, String name, Role role, String sha256, Instant created) {}

    /** A token just made: the only moment its secret text exists outside the caller's hands. */
    public record NewToken(Token token, String secret) {}

    private final Path file;
    private List<User> users = new ArrayList<>();
    private List<Token> tokens = new ArrayList<>();
    private FileTime loaded;

    private Credentials(Path file) { this.file = file; }

    /** {@return the credentials in {@code file} (an empty set if it does not exist yet)} */
    public static Credentials open(Path file) {
        Credentials c = new Credentials(file);
        synchronized (c) {
            c.reloadIfChanged();
        }
        return c;
    }

    /** {@return true if no user and no token exists: the first start} */
    public synchronized boolean isEmpty() {
        reloadIfChanged();
        return users.isEmpty() && tokens.isEmpty();
    }

    /** Adds a user; the password is hashed here and never kept. */
    public synchronized User addUser(String name, Role role, char[] password) {
        reloadIfChanged();
        checkName(name);
        if (password.length < 12) throw ChirpException.usage("a password needs at least 12 characters");
        if (password.length > 72) throw ChirpException.usage("bcrypt uses at most 72 bytes of a password");
        if (users.stream().anyMatch(u -> u.name().equals(name))) throw ChirpException.usage("user " + name + " exists");
        String hash = BCrypt.hashpw(new String(password), BCrypt.gensalt(BCRYPT_COST));
        User u = new User(name, role, hash, Instant.now());
        users.add(u);
        save();
        return u;
    }

    /** Makes a token; its secret text is returned once and only its hash is stored. */
    public synchronized NewToken createToken(String name, Role role) {
        reloadIfChanged();
        checkName(name);
        byte[] id = new byte[6];
        byte[] secret = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(secret);
        String idText = HexFormat.of().formatHex(id);
        String text = TOKEN_PREFIX + idText + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Token t = new Token(idText, name, role, sha256(text), Instant.now());
        tokens.add(t);
        save();
        return new NewToken(t, text);
    }

    /** {@return true if a token with this id existed and is now revoked} */
    public synchronized boolean revokeToken(String id) {
        reloadIfChanged();
        boolean removed = tokens.removeIf(t -> t.id().equals(id));
        if (removed) save();
        return removed;
    }

    public synchronized List<User> users() {
        reloadIfChanged();
        return List.copyOf(users);
    }

    public synchronized List<Token> tokens() {
        reloadIfChanged();
        return List.copyOf(tokens);
    }

    /** {@return who a bearer token belongs to} */
    public synchronized Optional<Principal> byToken(String text) {
        reloadIfChanged();
        if (text == null || !text.startsWith(TOKEN_PREFIX) || text.length() > 128) return Optional.empty();
        byte[] h = sha256(text).getBytes(StandardCharsets.US_ASCII);
        for (Token t : tokens) {
            if (MessageDigest.isEqual(h, t.sha256().getBytes(StandardCharsets.US_ASCII))) {
                return Optional.of(new Principal("token:" + t.name(), t.role()));
            }
        }
        return Optional.empty();
    }

    /** {@return who a user name and password belong to} */
    public Optional<Principal> byPassword(String name, String password) {
        User u;
        synchronized (this) {
            reloadIfChanged();
            u = users.stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
        }
        // bcrypt outside the lock: it takes a quarter of a second by design
        if (u == null || password == null || password.length() > 72) return Optional.empty();
        return BCrypt.checkpw(password, u.bcrypt()) ? Optional.of(new Principal(u.name(), u.role())) : Optional.empty();
    }

    private static void checkName(String name) {
        if (name == null || !name.matches(NAME)) {
            throw ChirpException.usage("a name is 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit");
        }
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new ChirpException(ChirpException.Kind.INTERNAL, "no SHA-256 in this JVM", e);
        }
    }

    private void reloadIfChanged() {
        try {
            if (!Files.exists(file)) return;
            FileTime t = Files.getLastModifiedTime(file);
            if (t.equals(loaded)) return;
            JsonNode root = JSON.readTree(file.toFile());
            List<User> us = new ArrayList<>();
            for (JsonNode n : root.path("users")) {
                us.add(new User(n.path("name").asText(), Role.parse(n.path("role").asText()), n.path("bcrypt").asText(),
                        Instant.parse(n.path("created").asText())));
            }
            List<Token> ts = new ArrayList<>();
            for (JsonNode n : root.path("tokens")) {
                ts.add(new Token(n.path("id").asText(), n.path("name").asText(), Role.parse(n.path("role").asText()),
                        n.path("sha256").asText(), Instant.parse(n.path("created").asText())));
            }
            users = us;
            tokens = ts;
            loaded = t;
        } catch (IOException | RuntimeException e) {
            throw ChirpException.io("cannot read the credentials file " + file + ": " + e.getMessage(), e);
        }
    }

    private void save() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode us = root.putArray("users");
        for (User u : users) {
            us.addObject().put("name", u.name()).put("role", u.role().label()).put("bcrypt", u.bcrypt())
                    .put("created", u.created().toString());
        }
        ArrayNode ts = root.putArray("tokens");
        for (Token t : tokens) {
            ts.addObject().put("id", t.id()).put("name", t.name()).put("role", t.role().label())
                    .put("sha256", t.sha256()).put("created", t.created().toString());
        }
        try {
            if (file.getParent() != null) OwnerOnly.dir(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            OwnerOnly.createFile(tmp);
            Files.writeString(tmp, JSON.writeValueAsString(root));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            loaded = Files.getLastModifiedTime(file);
        } catch (IOException e) {
            throw ChirpException.io("cannot write the credentials file " + file + ": " + e.getMessage(), e);
        }
    }
}
