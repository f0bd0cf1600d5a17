package dev.drover.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.drover.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import picocli.CommandLine;

/**
 * The web UI in a real browser (Debian's chromium, headless, driven by chromedriver) against a
 * real {@code drover serve} with forked shell workers: signing in, starting a pipeline from its
 * variables form, a failed task's error, cancel, a callback task, the jobs list paged and
 * filtered by the server with live statuses, the pools page, an expired
 * session, a one-time sign-in URL, a phone's width. Every test ends with no error in the
 * browser's console; every page visited leaves a screenshot in {@code target/ui-screenshots}.
 */
class WebUiTest {
  private static final Path SHOTS = Path.of("target", "ui-screenshots");
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** A failed test leaves a screenshot of what the browser showed, for CI's reader. */
  @RegisterExtension
  final TestWatcher onFailure = new TestWatcher() {
    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
      if (browser != null) {
        screenshot("failed-" + context.getRequiredTestMethod().getName());
      }
    }
  };

  @TempDir static Path dir;
  private static ServeProcess server;
  private static ChromeDriverService driverService;
  private static WebDriver browser;
  private static String marker;

  @BeforeAll
  static void start() throws IOException {
    Path chromium = Path.of("/usr/bin/chromium");
    Path chromedriver = Path.of("/usr/bin/chromedriver");
    assertThat(Files.isExecutable(chromium) && Files.isExecutable(chromedriver))
        .as("the browser tests need Debian's chromium and chromium-driver "
            + "(apt-get install -y chromium chromium-driver; .ci/run installs them)")
        .isTrue();
    marker = "ui" + Long.toHexString(System.nanoTime());
    String examples = Files.readString(Path.of("examples", "pipelines.yml"));
    String extra = """

          # the browser test's own: one to cancel, one that waits for its callback
          slow:
            tasks:
              wait:
                script:
                  - sleep 120 # %1$s
          later:
            start_delay: 1h
            tasks:
              t:
                script:
                  - "true"
          approval:
            tasks:
              ask:
                script:
                  - echo "$DROVER_CALLBACK_TOKEN" > %2$s
                await_callback: true
                timeout: 1h
              after:
                script:
                  - echo approved
                depends_on: [ask]
        """.formatted(marker, dir.resolve("callback-token"));
    server = new ServeProcess(dir.resolve("server"), examples + extra, List.of());
    Files.createDirectories(SHOTS);
    try (var old = Files.newDirectoryStream(SHOTS, "failed-*.png")) {
      for (Path shot : old) {
        Files.delete(shot);
      }
    }

    driverService = new ChromeDriverService.Builder()
        .usingDriverExecutable(chromedriver.toFile())
        .usingAnyFreePort()
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,800",
        "--user-data-dir=" + dir.resolve("chromium-profile"));
    options.setExperimentalOption("prefs", Map.of(
        "download.default_directory", dir.resolve("downloads").toString(),
        "download.prompt_for_download", false));
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    try {
      browser = new ChromeDriver(driverService, options);
    } catch (RuntimeException e) {
      server.close();
      driverService.stop();
      throw e;
    }
    browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    browser.manage().window().setSize(new Dimension(1280, 800));
  }

  @AfterAll
  static void stop() {
    try {
      if (browser != null) {
        browser.quit();
      }
    } finally {
      if (driverService != null) {
        driverService.stop();
      }
      if (server != null) {
        server.close();
      }
    }
  }

  @BeforeEach
  void signIn() {
    browser.manage().window().setSize(new Dimension(1280, 800));
    signedOut();
    browser.get(server.base() + "/#/pipelines");
    WebElement token = waitFor(By.id("token"));
    token.sendKeys(server.token("alice"));
    browser.findElement(By.cssSelector("#sign-in button[type=submit]")).click();
    waitFor(By.cssSelector("section.pipeline"));
    assertThat(text("#who")).isEqualTo("alice");
  }

  @AfterEach
  void noConsoleErrors(TestInfo test) {
    List<String> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue())
        .map(LogEntry::getMessage)
        .toList();
    assertThat(errors).as("console errors during " + test.getDisplayName()).isEmpty();
  }

  @Test
  void releaseStartedFromItsFormWithTheKeyboardRunsItsFourTasks() {
    // given the pipelines page, whose release card asks for version and environment
    WebElement release = waitFor(By.id("p-release"));
    assertThat(release.findElement(By.cssSelector(".queue")).getText())
        .contains("0 running of 1").contains("limit 2");
    screenshot("pipelines");

    // when Start of release is reached with Tab, the form filled and sent with Enter
    WebElement start = release.findElement(By.cssSelector("button[data-start=release]"));
    tabUntil(start);
    new Actions(browser).sendKeys(Keys.ENTER).perform();
    WebElement version = waitFor(By.id("v-release-version"));
    assertThat(browser.switchTo().activeElement()).isEqualTo(version);
    new Actions(browser).sendKeys("1.4.0").sendKeys(Keys.TAB).sendKeys("staging")
        .sendKeys(Keys.ENTER).perform();

    // then the job page shows its four tasks going to done
    await().atMost(WAIT).until(() -> browser.getCurrentUrl().contains("#/jobs/"));
    waitFor(By.cssSelector("svg.dag"));
    await().atMost(WAIT).until(() -> taskStatuses().equals(
        Map.of("build", "done", "unit_test", "done", "lint", "done", "deploy", "done")));
    waitFor(By.cssSelector("svg.gantt rect.bar"));
    assertThat(text("h1 .badge")).isEqualTo("done");
    assertThat(text("tr[data-task=unit_test]"))
        .contains("2 × after 10 s, ×2 each");
    screenshot("job");
    // the whole page, for the README (docs/job-page.png)
    browser.manage().window().setSize(new Dimension(1280, 1180));
    screenshot("job-full");
    browser.manage().window().setSize(new Dimension(1280, 800));

    // and a click on deploy's node shows its output
    clickNode("deploy");
    await().atMost(WAIT).until(() -> text("#log")
        .contains("deploying 1.4.0 to staging"));
    assertThat(text("#exit-code")).isEqualTo("0");
    screenshot("task-logs");

    // and downloaded
    click(By.id("log-download"));
    await().atMost(WAIT).until(() -> {
      try (var files = Files.list(dir.resolve("downloads"))) {
        return files.filter(f -> f.getFileName().toString().endsWith("-deploy.log"))
            .anyMatch(f -> contains(f, "deploying 1.4.0 to staging"));
      } catch (IOException e) {
        return false;
      }
    });

    // and the log can be searched
    browser.findElement(By.id("log-search")).sendKeys("nothing like this");
    await().atMost(WAIT).until(() -> text("#log-count")
        .startsWith("0 of"));
  }

  @Test
  void aFailedTaskShowsItsErrorAndExitCode() {
    // given a smoke test, which fails on purpose, started from its form
    WebElement smoke = waitFor(By.id("p-smoke_test"));
    smoke.findElement(By.cssSelector("button[data-start=smoke_test]")).click();
    waitFor(By.id("v-smoke_test-url")).sendKeys("http://localhost:8080");
    smoke.findElement(By.cssSelector("form.start button[type=submit]")).click();
    await().atMost(WAIT).until(() -> browser.getCurrentUrl().contains("#/jobs/"));

    // when it failed and its failed task is opened from the graph
    await().atMost(WAIT).until(() -> "error".equals(taskStatuses().get("check_status"))
        && "done".equals(taskStatuses().get("on_error")));
    clickNode("check_status");

    // then the task page shows its error and exit code, and its output
    await().atMost(WAIT).until(() -> text("#task-error")
        .contains("exit status 1"));
    assertThat(text("#exit-code")).isEqualTo("1");
    await().atMost(WAIT).until(() -> text("#log")
        .contains("the service answered 503"));
    screenshot("task-error");
  }

  @Test
  void aRunningJobIsCanceledFromItsPage() {
    // given a job that runs for two minutes
    String id = server.schedule("slow", "{}");
    browser.get(server.base() + "/#/jobs/" + id);
    await().atMost(WAIT).until(() -> "running".equals(taskStatuses().get("wait")));

    // when Cancel is clicked
    click(By.id("cancel"));

    // then the job ends canceled, and its script is gone
    await().atMost(WAIT).until(() -> text("h1 .badge")
        .equals("canceled"));
    assertThat(server.get("/api/v1/jobs/" + id).get("canceled").asBoolean()).isTrue();
    await().atMost(WAIT).until(() -> ProcessHandle.allProcesses().noneMatch(p ->
        p.info().commandLine().orElse("").contains(marker)));
    screenshot("canceled-job");
  }

  @Test
  void aCallbackTaskWaitsWithItsDeadlineUntilCompleted() throws IOException {
    // given a job whose first task waits for a callback
    String id = server.schedule("approval", "{}");
    browser.get(server.base() + "/#/jobs/" + id);

    // then the page shows it waiting for its callback, with its deadline
    await().atMost(WAIT).until(() -> "waiting for callback".equals(taskStatuses().get("ask")));
    assertThat(text("tr[data-task=ask]"))
        .contains("waiting for callback, deadline");
    screenshot("waiting-for-callback");

    // when the third party completes it with its token
    Path tokenFile = dir.resolve("callback-token");
    await().atMost(WAIT).until(() -> Files.exists(tokenFile)
        && !Files.readString(tokenFile).isBlank());
    String token = Files.readString(tokenFile).strip();
    HttpResponseCheck.ok(server.send("POST", "/api/v1/jobs/" + id + "/tasks/ask/complete",
        "{\"token\": \"" + token + "\", \"status\": \"success\"}"));

    // then the page sees it done, and the job after it
    await().atMost(WAIT).until(() -> taskStatuses().equals(Map.of("ask", "done", "after", "done")));
  }

  @Test
  void theJobsListIsFilteredAndPagedByTheServerWithLiveStatuses() {
    // given 25 jobs of a pipeline that waits an hour before it starts, more than a page of 20
    List<String> ids = new java.util.ArrayList<>();
    for (int i = 0; i < 25; i++) {
      ids.add(server.schedule("later", "{}"));
    }

    // when the jobs list is filtered by that pipeline, from the selects, then to waiting jobs
    browser.get(server.base() + "/#/jobs");
    waitFor(By.cssSelector("table.jobs"));
    new org.openqa.selenium.support.ui.Select(waitFor(By.id("f-pipeline"))).selectByValue("later");
    await().atMost(WAIT).until(() -> browser.getCurrentUrl().endsWith("#/jobs?pipeline=later"));
    new org.openqa.selenium.support.ui.Select(waitFor(By.id("f-status"))).selectByValue("waiting");
    await().atMost(WAIT).until(() -> browser.getCurrentUrl().contains("status=waiting"));

    // then the newest 20 show, and Older shows the other 5, with the cursor in the address
    await().atMost(WAIT).until(() -> rows().equals(newestFirst(ids).subList(0, 20)));
    screenshot("jobs");
    click(By.id("older"));
    await().atMost(WAIT).until(() -> rows().equals(newestFirst(ids).subList(20, 25)));
    assertThat(browser.getCurrentUrl()).contains("cursor=").contains("status=waiting");
    assertThat(browser.findElement(By.id("older")).isEnabled()).isFalse();
    // and Newer goes back to the first 20
    click(By.id("newer"));
    await().atMost(WAIT).until(() -> rows().equals(newestFirst(ids).subList(0, 20)));

    // when a visible job is canceled elsewhere, on the list of all later's jobs
    browser.get(server.base() + "/#/jobs?pipeline=later");
    await().atMost(WAIT).until(() -> rows().size() == 20);
    String last = ids.get(ids.size() - 1);
    HttpResponseCheck.ok(server.send("POST", "/api/v1/jobs/" + last + "/cancel", "{}"));

    // then its row shows it without a reload
    await().atMost(WAIT).until(() -> text("tr[data-job=\"" + last + "\"] .status")
        .equals("canceled"));
    for (String id : ids) {
      server.send("POST", "/api/v1/jobs/" + id + "/cancel", "{}");
    }
  }

  /** The ids of the jobs the jobs list shows, in order. */
  @SuppressWarnings("unchecked")
  private List<String> rows() {
    return (List<String>) ((JavascriptExecutor) browser).executeScript(
        "return Array.from(document.querySelectorAll('table.jobs tr[data-job]'))"
            + ".map(r => r.getAttribute('data-job'));");
  }

  private static List<String> newestFirst(List<String> ids) {
    List<String> reversed = new java.util.ArrayList<>(ids);
    java.util.Collections.reverse(reversed);
    return reversed;
  }

  @Test
  void thePoolsPageListsTheShellWorkersWithTheirPids() {
    // given the shell pool's workers as the API lists them
    JsonNode pool = server.get("/api/v1/pools/shell");
    await().atMost(WAIT).until(() -> server.get("/api/v1/pools/shell").get("workers").size() > 0
        && server.get("/api/v1/pools/shell").get("workers").get(0).get("pid").asLong() > 0);

    // when the pools page is opened
    browser.findElement(By.cssSelector("a[data-nav=pools]")).click();
    WebElement shell = waitFor(By.cssSelector("section.pool[data-kind=shell]"));

    // then it lists each worker with its pid, a process of the server's
    await().atMost(WAIT).until(() -> !shell.findElements(By.cssSelector("td.pid")).isEmpty());
    List<Long> pids = shell.findElements(By.cssSelector("td.pid")).stream()
        .map(WebElement::getText).filter(t -> t.matches("\\d+")).map(Long::parseLong).toList();
    assertThat(pids).isNotEmpty();
    List<Long> children = server.process.descendants().map(ProcessHandle::pid).toList();
    assertThat(children).containsAll(pids);
    assertThat(text("table.members"))
        .contains("supervisor").contains("Up");
    assertThat(pool.get("kind").asText()).isEqualTo("shell");
    screenshot("pools");
  }

  @Test
  void anExpiredSessionShowsTheSignInPage() {
    // given a session whose token expired an hour ago
    Clock twoHoursAgo = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC);
    String expired = new JwtIssuer(JwtSecret.of(ServeProcess.SECRET), twoHoursAgo)
        .issue("alice", Duration.ofHours(1));
    signedOut();
    browser.get(server.base() + "/ui/style.css");
    browser.manage().addCookie(new Cookie("jwt", expired, "/"));

    // when the jobs page is opened
    browser.get(server.base() + "/#/jobs");

    // then the sign-in page says why
    waitFor(By.id("sign-in-error"));
    await().atMost(WAIT).until(() -> text("#sign-in-error").contains("token expired at"));
    assertThat(browser.findElement(By.id("top")).isDisplayed()).isFalse();
    screenshot("sign-in");
  }

  @Test
  void aSignInUrlSignsInOnce() {
    // given a sign-in URL printed by `drover token --open`
    String url = tokenCommand("--sub", "bob", "--open", "--address", "127.0.0.1:" + server.port,
        "--jwt-secret", ServeProcess.SECRET).strip();
    assertThat(url).startsWith(server.base() + "/#sign-in=");

    // when a browser without a session opens it
    signedOut();
    browser.get(url);

    // then it is signed in as bob, and the token left the address bar
    await().atMost(WAIT).until(() -> "bob".equals(text("#who")));
    assertThat(browser.getCurrentUrl()).doesNotContain("sign-in=");

    // and the same URL opens no second session
    signedOut();
    browser.get(url);
    await().atMost(WAIT).until(() -> text("#sign-in-error")
        .contains("used before"));
  }

  @Test
  void pagesFitAPhoneWidth() {
    // given a finished job
    String id = server.schedule("release", "{\"version\": \"2.0.0\", \"environment\": \"qa\"}");
    await().atMost(WAIT).until(() -> server.get("/api/v1/jobs/" + id).get("completed")
        .asBoolean());

    // when the pages are shown 390 pixels wide
    browser.manage().window().setSize(new Dimension(390, 844));
    Map<String, String> pages = Map.of("pipelines", "pipelines", "jobs", "jobs",
        "job", "jobs/" + id, "pools", "pools");
    for (Map.Entry<String, String> page : new java.util.TreeMap<>(pages).entrySet()) {
      browser.get(server.base() + "/#/" + page.getValue());
      waitFor(By.cssSelector("main .page > h1"));
      await().atMost(WAIT).until(() -> text("main .page").length() > 20);

      // then nothing but the marked scroll areas is wider than the screen
      Object overflow = ((JavascriptExecutor) browser).executeScript(
          "return document.documentElement.scrollWidth - window.innerWidth;");
      assertThat(((Number) overflow).longValue()).as(page.getKey()).isLessThanOrEqualTo(0);
      screenshot("phone-" + page.getKey());
    }
  }

  // ---- helpers ----

  /** A browser without a session, on no page of the server (so the next one loads anew). */
  private void signedOut() {
    browser.get(server.base() + "/ui/style.css");
    browser.manage().deleteAllCookies();
    browser.get("about:blank");
  }

  /** The status each task of the job page's graph shows, by task. */
  private Map<String, String> taskStatuses() {
    // read at once in the page: the graph is redrawn as events arrive
    @SuppressWarnings("unchecked")
    List<List<String>> nodes = (List<List<String>>) ((JavascriptExecutor) browser).executeScript(
        "return Array.from(document.querySelectorAll('svg.dag a.node'))"
            + ".map(a => [a.getAttribute('data-task'), a.getAttribute('data-status')]);");
    Map<String, String> statuses = new java.util.TreeMap<>();
    nodes.forEach(n -> statuses.put(n.get(0), n.get(1)));
    return Map.copyOf(statuses);
  }

  /**
   * The text of what {@code css} selects now, read in the page at once: a live page replaces its
   * elements as events arrive, so a reference found before may be stale when read.
   */
  private String text(String css) {
    Object text = ((JavascriptExecutor) browser).executeScript(
        "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css);
    return text == null ? "" : text.toString();
  }

  private static boolean contains(Path file, String text) {
    try {
      return Files.readString(file).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  /** Clicks a task of the graph, which live events may redraw under the pointer. */
  private void clickNode(String task) {
    click(By.cssSelector("svg.dag a[data-task=" + task + "]"));
  }

  /** Clicks what {@code by} finds once it is there, again if a redraw replaced it. */
  private void click(By by) {
    await().atMost(WAIT).ignoreExceptions().until(() -> {
      browser.findElement(by).click();
      return true;
    });
  }

  private WebElement waitFor(By by) {
    return await().atMost(WAIT).ignoreExceptions()
        .until(() -> browser.findElement(by), e -> e.isDisplayed());
  }

  /** Presses Tab until {@code target} has the focus, as a keyboard user reaches it. */
  private void tabUntil(WebElement target) {
    ((JavascriptExecutor) browser).executeScript("document.activeElement.blur()");
    for (int i = 0; i < 60; i++) {
      new Actions(browser).sendKeys(Keys.TAB).perform();
      if (browser.switchTo().activeElement().equals(target)) {
        return;
      }
    }
    throw new AssertionError("Tab never reached " + target.getText());
  }

  private static void screenshot(String name) {
    try {
      Files.write(SHOTS.resolve(name + ".png"),
          ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String tokenCommand(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new java.io.PrintWriter(new PrintStream(out, true, StandardCharsets.UTF_8), true));
    String[] all = new String[args.length + 1];
    all[0] = "token";
    System.arraycopy(args, 0, all, 1, args.length);
    assertThat(cli.execute(all)).isZero();
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Checks an HTTP answer is a success, saying what it was otherwise. */
  private static final class HttpResponseCheck {
    static void ok(java.net.http.HttpResponse<String> r) {
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
  }
}
