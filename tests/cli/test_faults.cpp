// What a run that cannot finish leaves behind: killed with SIGKILL at many
// points while it writes (GeoPackage, Shapefile, HTML, CSV), stopped by a file
// size limit (ulimit -f: as a full disk), or stopped before it starts by an
// unreadable input, a read-only folder or an output that is a folder. An
// output is complete or absent, an existing one intact, and a run that fails
// exits 2 with a message naming the file.
#include "support.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>


namespace {

using namespace zt;

std::string report_exe() { return ZONE_REPORT_EXE; }

// Runs argv (output to /dev/null) until an entry ".zonekit-…" (a staging
// folder: the run has started writing) appears in `dir`, then `delay` more,
// then kills it with SIGKILL. Returns whether it was killed (false: it ended
// first).
bool kill_while_writing(const std::vector<std::string>& argv, const fs::path& dir, std::chrono::microseconds delay) {
    const pid_t pid = spawn(argv, "/dev/null", "/dev/null", "/dev/null");
    int status = 0;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    bool writing = false;
    while (!writing && std::chrono::steady_clock::now() < give_up) {
        if (waitpid(pid, &status, WNOHANG) == pid) return false;
        writing = !zonekit_leftovers(dir).empty();
        if (!writing) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    std::this_thread::sleep_for(delay);
    kill(pid, SIGKILL);  // the child started here, by its id
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFSIGNALED(status);
}

// The delays after writing starts at which runs are killed: from at once to
// well past the end of a small output.
const std::vector<std::chrono::microseconds> kKillDelays = {
    std::chrono::microseconds(0),     std::chrono::microseconds(300),   std::chrono::microseconds(1000),
    std::chrono::microseconds(3000),  std::chrono::microseconds(10000), std::chrono::microseconds(30000),
    std::chrono::microseconds(100000), std::chrono::microseconds(300000)};

// Entries of `dir` other than staging folders.
std::vector<std::string> visible_entries(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : dir_entries(dir))
        if (e.rfind(".zonekit-", 0) != 0) out.push_back(e);
    return out;
}


std::int64_t feature_count(const std::string& path) {
    DatasetPtr ds = open_vector(path);
    if (!ds || ds->GetLayerCount() < 1) return -1;
    return ds->GetLayer(0)->GetFeatureCount(TRUE);
}

class Faults : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        gdal_init();
        // The Jinan part of the bundled map: a report on it takes a moment only.
        jinan_ = new TempDir("zonecli-faults-data");
        copy_layer(shandong_units(), jinan_->file("jinan.gpkg"), "GPKG", "units",
                   [](OGRFeature& f) { return std::string(f.GetFieldAsString("XZQDM")).rfind("3701", 0) == 0; });
    }
    static void TearDownTestSuite() {
        delete jinan_;
        jinan_ = nullptr;
    }
    static std::string jinan() { return jinan_->file("jinan.gpkg"); }
    // The next run in `dir` after a kill (a report written there and
    // removed): it finishes or removes what the killed run left.
    static void next_run_in(const fs::path& dir) {
        const fs::path out = dir / "next-run.csv";
        const RunResult next = run({report_exe(), jinan(), "-o", out.string(), "--overwrite", "-q"});
        EXPECT_EQ(next.status, 0) << next.describe();
        fs::remove(out);
        EXPECT_TRUE(zonekit_leftovers(dir).empty()) << "a staging folder outlived the next run in " << dir;
    }

    static TempDir* jinan_;
    TempDir tmp_{"zonecli-faults"};
};
TempDir* Faults::jinan_ = nullptr;

// A killed zone-build leaves the old map as it was, or the new one complete
// (once the next run in that folder has finished a commit the kill cut short).
TEST_F(Faults, KilledBuildLeavesTheOldMapOrTheNewOne) {
    for (const std::string ext : {".gpkg", ".shp"}) {
        const bool shp = ext == ".shp";
        const std::vector<std::string> parts = shp ? std::vector<std::string>{".shp", ".shx", ".dbf", ".prj", ".cpg"}
                                                   : std::vector<std::string>{".gpkg"};
        // The new map, from a run left alone.
        const fs::path ref_dir = tmp_.path() / ("ref" + ext.substr(1));
        fs::create_directories(ref_dir);
        const RunResult ref = run_zone_build({shandong_scheme(), "-o", (ref_dir / ("units" + ext)).string(), "-q"});
        ASSERT_EQ(ref.status, 0) << ref.describe();
        const std::int64_t ref_features = feature_count((ref_dir / ("units" + ext)).string());
        ASSERT_GT(ref_features, 100);
        // The old map: the county boundaries, in the same format.
        const fs::path dir = tmp_.path() / ("out" + ext.substr(1));
        fs::create_directories(dir);
        const fs::path target = dir / ("units" + ext);
        copy_layer(testdata_dir() + "/shandong/counties.gpkg", target.string(), shp ? "ESRI Shapefile" : "GPKG",
                   "units", {}, shp ? std::vector<std::string>{"ENCODING=UTF-8"} : std::vector<std::string>{});
        std::map<std::string, std::string> old_bytes, new_bytes;
        for (const auto& p : parts) {
            old_bytes[p] = read_file(fs::path(dir / ("units" + p)));
            new_bytes[p] = read_file(fs::path(ref_dir / ("units" + p)));
        }
        const std::vector<std::string> files_before = visible_entries(dir);
        // The new map may bring a file the old one lacked (a Shapefile's .qml style).
        const std::vector<std::string> files_new = visible_entries(ref_dir);

        int killed = 0;
        // Six of the delays: a build takes a second before it writes.
        for (const auto delay : {kKillDelays[0], kKillDelays[2], kKillDelays[3], kKillDelays[4], kKillDelays[5],
                                 kKillDelays[7]}) {
            killed += kill_while_writing({zone_build_exe(), shandong_scheme(), "-o", target.string(), "--overwrite", "-q"},
                                         dir, delay);
            next_run_in(dir);
            const std::vector<std::string> entries = visible_entries(dir);
            EXPECT_TRUE(entries == files_before || entries == files_new)
                << ext << " killed " << delay.count() << " µs into writing: " << ::testing::PrintToString(entries);
            // Every part old, or every part new (GeoPackage: complete, as GDAL reads it).
            bool all_old = true, all_new = true;
            for (const auto& p : parts) {
                const std::string now = read_file(fs::path(dir / ("units" + p)));
                all_old = all_old && now == old_bytes[p];
                all_new = all_new && (shp ? now == new_bytes[p] : true);
            }
            if (!all_old && !shp) all_new = feature_count(target.string()) == ref_features;
            EXPECT_TRUE(all_old || all_new) << ext << " killed " << delay.count() << " µs into writing: a mix";
            if (all_new) {
                // Put the old map back for the next kill.
                for (const auto& p : parts) write_file(dir / ("units" + p), old_bytes[p]);
            }
        }
        EXPECT_GE(killed, 3) << ext << ": most runs should have been killed while writing";
    }
}

// A run killed between two renames of its commit. Each of them is killed at
// one of the renames (strace's fault injection: SIGKILL on entry to the Nth
// rename): first the journal's and the commit mark's, then the map's files.
// Right after a kill past the mark the folder holds a mix of old and new
// files — the window the journal closes. The next run reading or writing in
// that folder (zone-report, here) finishes the commit: the new map, every part, when the kill came
// after the mark; the old map, untouched, when before; no staging folder left.
TEST_F(Faults, CommitKilledBetweenRenamesIsFinishedByTheNextRun) {
    const std::string strace = "/usr/bin/strace";
    ASSERT_TRUE(fs::exists(strace)) << "the test needs strace (scripts/setup-debian installs it)";
    const std::vector<std::string> parts = {".shp", ".shx", ".dbf", ".prj", ".cpg", ".qml"};
    const fs::path ref_dir = tmp_.path() / "ref";
    fs::create_directories(ref_dir);
    const RunResult ref = run_zone_build({shandong_scheme(), "-o", (ref_dir / "units.shp").string(), "-q"});
    ASSERT_EQ(ref.status, 0) << ref.describe();
    std::map<std::string, std::string> new_bytes;
    for (const auto& p : parts) new_bytes[p] = read_file(ref_dir / ("units" + p));

    const fs::path dir = tmp_.path() / "out";
    fs::create_directories(dir);
    const fs::path target = dir / "units.shp";
    std::map<std::string, std::string> old_bytes;
    // Renames of a commit of one Shapefile: journal, mark, then the six files.
    constexpr int kJournalRenames = 2;
    bool saw_mix = false;
    for (int nth = 1; nth <= kJournalRenames + static_cast<int>(parts.size()); ++nth) {
        // The old map: the county boundaries, with a style of their own.
        for (const auto& e : dir_entries(dir)) fs::remove_all(dir / e);
        copy_layer(testdata_dir() + "/shandong/counties.gpkg", target.string(), "ESRI Shapefile", "units", {},
                   {"ENCODING=UTF-8"});
        write_file(dir / "units.qml", "<qgis version=\"old\"/>");
        for (const auto& p : parts) old_bytes[p] = read_file(dir / ("units" + p));

        const RunResult killed = run({strace, "-f", "-qq", "-o", "/dev/null", "-e", "trace=rename,renameat,renameat2",
                                      "-e", "inject=rename,renameat,renameat2:signal=KILL:when=" + std::to_string(nth),
                                      zone_build_exe(), shandong_scheme(), "-o", target.string(), "--overwrite", "-q"});
        ASSERT_NE(killed.status, 0) << "rename " << nth << ": " << killed.describe();
        // The files are renamed in the order of `parts`; those before the
        // killed rename are new, the rest old (.prj and .cpg are alike in both).
        const int renamed = std::max(0, nth - 1 - kJournalRenames);
        for (int i = 0; i < static_cast<int>(parts.size()); ++i)
            ASSERT_EQ(read_file(dir / ("units" + parts[i])), i < renamed ? new_bytes[parts[i]] : old_bytes[parts[i]])
                << "units" << parts[i] << " right after a kill at rename " << nth;
        saw_mix = saw_mix || (renamed > 0 && renamed < static_cast<int>(parts.size()));
        ASSERT_EQ(zonekit_leftovers(dir).size(), 1u) << "killed at rename " << nth;

        // The next run: one writing into that folder, or (after a decided
        // commit, when the map there is a unit map) one reading the map.
        const bool decided = nth > kJournalRenames;
        const bool reads = decided && nth % 2 == 0;
        const RunResult next = run({report_exe(), reads ? target.string() : jinan(), "-o",
                                    reads ? (tmp_.path() / "report.csv").string() : (dir / "report.csv").string(),
                                    "--overwrite", "-q"});
        ASSERT_EQ(next.status, 0) << "after a kill at rename " << nth << ": " << next.describe();
        for (const auto& p : parts)
            EXPECT_EQ(read_file(dir / ("units" + p)), decided ? new_bytes[p] : old_bytes[p])
                << "units" << p << " after a kill at rename " << nth;
        EXPECT_TRUE(zonekit_leftovers(dir).empty()) << "after a kill at rename " << nth;
    }
    EXPECT_TRUE(saw_mix) << "no kill fell between the map's own renames";
}

// A killed zone-report leaves the old report as it was, or the new one complete.
TEST_F(Faults, KilledReportLeavesTheOldReportOrTheNewOne) {
    for (const std::string name : {"report.html", "report.csv"}) {
        const fs::path ref_dir = tmp_.path() / ("ref-" + name);
        fs::create_directories(ref_dir);
        const RunResult ref = run({report_exe(), jinan(), "-o", (ref_dir / name).string(), "-q"});
        ASSERT_EQ(ref.status, 0) << ref.describe();
        const std::string new_bytes = read_file(ref_dir / name);
        ASSERT_GT(new_bytes.size(), 100u);
        const fs::path dir = tmp_.path() / ("out-" + name);
        fs::create_directories(dir);
        const std::string old_bytes = "the report of last year\n";
        write_file(dir / name, old_bytes);
        int killed = 0;
        for (const auto delay : kKillDelays) {
            killed += kill_while_writing({report_exe(), jinan(), "-o", (dir / name).string(), "--overwrite", "-q"}, dir,
                                         delay);
            next_run_in(dir);
            EXPECT_EQ(visible_entries(dir), std::vector<std::string>{name});
            const std::string now = read_file(dir / name);
            EXPECT_TRUE(now == old_bytes || now == new_bytes)
                << name << " killed " << delay.count() << " µs into writing: " << now.size() << " bytes, neither";
            write_file(dir / name, old_bytes);
        }
        EXPECT_GE(killed, 1) << name;
    }
}

// Under a file size limit (as on a full disk) every writer stops with exit
// code 2 and a message naming its output and the reason; nothing is left,
// and an output that was there is intact.
TEST_F(Faults, FileSizeLimitIsACleanError) {
    struct Case {
        std::string output;
        std::vector<std::string> argv;  // {OUT} stands for the output
    };
    const std::string units = jinan();
    const std::vector<Case> cases = {
        {"units.gpkg", {zone_build_exe(), shandong_scheme(), "-o", "{OUT}", "--overwrite", "-q"}},
        {"units.shp", {zone_build_exe(), shandong_scheme(), "-o", "{OUT}", "--overwrite", "-q"}},
        {"report.html", {report_exe(), units, "-o", "{OUT}", "--overwrite", "-q"}},
        {"report.csv", {report_exe(), shandong_units(), "-o", "{OUT}", "--overwrite", "-q"}},
        {"report.xlsx", {report_exe(), units, "-o", "{OUT}", "--overwrite", "-q"}},
        {"map.png", {report_exe(), units, "-o", "-", "--format", "csv", "--map-png", "{OUT}", "--overwrite", "-q"}},
        {"check.json", {zone_check_exe(), "map", shandong_units(), "--format", "json", "-o", "{OUT}", "--overwrite"}},
        {"errors.gpkg", {zone_check_exe(), "map", shandong_units(), "--errors-out", "{OUT}", "--overwrite"}},
        {"diff.json", {ZONE_DIFF_EXE, shandong_units(), units, "--format", "json", "--report", "{OUT}", "--overwrite"}},
    };
    for (const Case& c : cases) {
        const fs::path dir = tmp_.path() / ("limit-" + c.output);
        fs::create_directories(dir);
        const fs::path out = dir / c.output;
        write_file(out, "old");
        // 1 KiB (ulimit -f counts 1024-byte blocks): every output is larger.
        std::vector<std::string> argv = {"/bin/bash", "-c", "ulimit -f 1; exec \"$@\"", "bash"};
        for (const auto& a : c.argv) argv.push_back(a == "{OUT}" ? out.string() : a);
        const RunResult r = run_with_timeout(argv, 120);
        EXPECT_EQ(r.status, 2) << c.output << "\n" << r.describe();
        EXPECT_FALSE(r.signaled) << c.output << "\n" << r.describe();
        EXPECT_TRUE(contains(r.err, out.string())) << c.output << ": the message does not name the output\n" << r.describe();
        EXPECT_TRUE(contains(r.err, "File too large") || contains(r.err, "disk I/O error") || contains(r.err, "ulimit -f") ||
                    contains(r.err, "Write Error"))
            << c.output << ": the message does not say why\n" << r.describe();
        EXPECT_EQ(dir_entries(dir), std::vector<std::string>{c.output}) << c.output;
        EXPECT_EQ(read_file(out), "old") << c.output;
    }
}

// Runs argv as user nobody (the tests run as root, whom permissions do not stop).
RunResult run_as_nobody(const std::vector<std::string>& argv) {
    std::vector<std::string> a = {"/usr/bin/setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"};
    a.insert(a.end(), argv.begin(), argv.end());
    return run_with_timeout(a, 120);
}

// Nothing to do, nothing touched: an input that cannot be read, a folder
// that cannot be written, an output that is a folder.
TEST_F(Faults, UnusableInputsAndOutputsTouchNothing) {
    ASSERT_TRUE(fs::exists("/usr/bin/setpriv")) << "needs setpriv (util-linux)";
    // Everything here is the test's; nobody may read the data and write `open`.
    const fs::path data = tmp_.path() / "data";
    fs::create_directories(data);
    fs::copy_file(jinan(), data / "units.gpkg");
    fs::copy_file(jinan(), data / "secret.gpkg");
    chmod((data / "secret.gpkg").c_str(), 0600);  // root's only
    const fs::path open = tmp_.path() / "open", closed = tmp_.path() / "closed";
    fs::create_directories(open);
    fs::create_directories(closed);
    fs::create_directories(open / "folder.html");
    fs::create_directories(open / "folder.json");
    chmod(tmp_.path().c_str(), 0755);
    chmod(data.c_str(), 0755);
    chmod((data / "units.gpkg").c_str(), 0644);
    chmod(open.c_str(), 0777);
    chmod(closed.c_str(), 0755);  // root's, not writable by nobody
    const std::string units = (data / "units.gpkg").string(), secret = (data / "secret.gpkg").string();

    struct Case {
        std::string what, names;
        std::vector<std::string> argv;
    };
    const std::vector<Case> cases = {
        {"unreadable input (report)", secret, {report_exe(), secret, "-o", (open / "r.html").string(), "-q"}},
        {"unreadable input (check)", secret, {zone_check_exe(), "map", secret, "-o", (open / "c.json").string()}},
        {"read-only folder (report)", (closed / "r.html").string(),
         {report_exe(), units, "-o", (closed / "r.html").string(), "-q"}},
        {"read-only folder (check)", (closed / "c.json").string(),
         {zone_check_exe(), "map", units, "--format", "json", "-o", (closed / "c.json").string()}},
        {"read-only folder (build)", (closed / "u.gpkg").string(),
         {zone_build_exe(), shandong_scheme(), "-o", (closed / "u.gpkg").string(), "-q"}},
        {"output is a folder (report)", (open / "folder.html").string(),
         {report_exe(), units, "-o", (open / "folder.html").string(), "--overwrite", "-q"}},
        {"output is a folder (check)", (open / "folder.json").string(),
         {zone_check_exe(), "map", units, "--format", "json", "-o", (open / "folder.json").string(), "--overwrite"}},
    };
    const auto open_before = dir_entries(open), closed_before = dir_entries(closed);
    const std::string secret_bytes = read_file(secret), units_bytes = read_file(units);
    for (const Case& c : cases) {
        const RunResult r = run_as_nobody(c.argv);
        EXPECT_EQ(r.status, 2) << c.what << "\n" << r.describe();
        EXPECT_TRUE(contains(r.err, c.names)) << c.what << ": the message does not name " << c.names << "\n" << r.describe();
        EXPECT_TRUE(r.out.empty()) << c.what << "\n" << r.describe();
        EXPECT_EQ(dir_entries(open), open_before) << c.what;
        EXPECT_EQ(dir_entries(closed), closed_before) << c.what;
        EXPECT_TRUE(dir_entries(open / "folder.html").empty() && dir_entries(open / "folder.json").empty()) << c.what;
    }
    EXPECT_EQ(read_file(secret), secret_bytes);
    EXPECT_EQ(read_file(units), units_bytes);
}

}  // namespace
