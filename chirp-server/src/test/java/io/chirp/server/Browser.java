package io.chirp.server;

import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * A real browser for the console's tests: Debian's headless {@code chromium} driven through its own
 * {@code chromedriver} (named explicitly, so Selenium never downloads a driver or a browser).
 */
public final class Browser implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    public final ChromeDriver driver;
    final URI base;
    private final Path profile;
    /** Where the browser saves downloads (the console's file downloads and case bundles). */
    public final Path downloads;

    public Browser(URI base) throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            throw new AssertionError("the console's browser tests need Debian's chromium and chromium-driver "
                    + "(./chirp installs them: apt-get install chromium chromium-driver)");
        }
        System.setProperty("webdriver.chrome.driver", DRIVER.toString());
        this.base = base;
        this.profile = Files.createTempDirectory("chirp-chromium");
        this.downloads = Files.createDirectories(profile.resolve("downloads"));
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1440,900",
                "--user-data-dir=" + profile, "--no-first-run", "--disable-extensions", "--disable-background-networking",
                "--disable-sync", "--disable-component-update", "--disable-default-apps", "--hide-scrollbars", "--lang=en-US");
        o.setExperimentalOption("prefs", java.util.Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false, "profile.default_content_settings.popups", 0));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        this.driver = new ChromeDriver(service, o);
        driver.manage().window().setSize(new Dimension(1440, 900));
        // headless chromium saves downloads only when told where
        driver.executeCdpCommand("Browser.setDownloadBehavior", java.util.Map.of("behavior", "allow", "downloadPath", downloads.toString(),
                "eventsEnabled", false));
    }

    /**
     * {@return a finished download whose bytes have this SHA-256} (the server's Content-Disposition names the file,
     * so the test looks by content)
     */
    public Path downloadWithHash(String sha256, Duration d) {
        return await(d, "a download with SHA-256 " + sha256, x -> {
            try (var files = Files.list(downloads)) {
                for (Path f : files.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".crdownload")).toList()) {
                    byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f));
                    if (java.util.HexFormat.of().formatHex(h).equals(sha256)) return f;
                }
                return null;
            } catch (Exception e) {
                return null; // still being written
            }
        });
    }

    /** {@return a download once the browser has finished writing it} (chromium writes NAME.crdownload until then) */
    public Path download(String name, Duration d) {
        Path f = downloads.resolve(name);
        return await(d, "the download " + name, x -> Files.isRegularFile(f) && !Files.exists(downloads.resolve(name + ".crdownload")) ? f : null);
    }

    public void open(String pathAndFragment) { driver.get(base.resolve(pathAndFragment).toString()); }

    /** Goes to a console page by its fragment (#/fleet), as a click on a link would: no reload. */
    public void go(String fragment) { driver.executeScript("location.hash = arguments[0]", fragment); }

    public <T> T await(Duration d, String what, Function<ChromeDriver, T> until) {
        // pages redraw their tables as live data arrives: an element gone between find and read is just another try
        return new WebDriverWait(driver, d, Duration.ofMillis(200)).withMessage(what).ignoring(StaleElementReferenceException.class)
                .until(x -> until.apply((ChromeDriver) x));
    }

    public WebElement await(By by, Duration d) {
        return await(d, "waiting for " + by, x -> x.findElements(by).stream().filter(WebElement::isDisplayed).findFirst().orElse(null));
    }

    public List<WebElement> all(By by) { return driver.findElements(by); }

    public void signIn(String user, String password) {
        open("/");
        await(By.id("login-user"), Duration.ofSeconds(20)).sendKeys(user);
        driver.findElement(By.id("login-password")).sendKeys(password);
        driver.findElement(By.id("login-submit")).click();
        await(By.id("who-name"), Duration.ofSeconds(30));
    }

    public void signOut() {
        driver.findElement(By.id("logout")).click();
        await(By.id("login-user"), Duration.ofSeconds(20));
    }

    /** {@return true if a JavaScript dialog (alert/confirm/prompt) is open} */
    public boolean dialogOpen() {
        try {
            driver.switchTo().alert();
            return true;
        } catch (NoAlertPresentException e) {
            return false;
        }
    }

    /** Saves the page as a PNG into the repository's docs/console folder. */
    public void screenshot(String name) throws Exception {
        Path dir = docs();
        File f = driver.getScreenshotAs(OutputType.FILE);
        Path png = dir.resolve(name + ".png");
        Files.copy(f.toPath(), png, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(png, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--")); // docs, not evidence
        Files.delete(f.toPath());
    }

    /** {@return the docs/console folder of the source tree (the tests run in the module folder)} */
    static Path docs() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("mvnw"))) root = root.getParent();
        if (root == null) throw new AssertionError("not inside the CHIRP source tree");
        return Files.createDirectories(root.resolve("docs/console"));
    }

    @Override public void close() throws Exception {
        try {
            driver.quit();
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
