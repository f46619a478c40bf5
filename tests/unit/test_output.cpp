// The output plan and the staged writer (zone/io/output.hpp) on constructed
// cases: every answer here is known from how the files were made.
#include "zone/core/error.hpp"
#include "zone/io/output.hpp"
#include "zone/io/source.hpp"

#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

class Scratch {
public:
    Scratch() {
        std::string pattern = (fs::temp_directory_path() / "zone-output-test-XXXXXX").string();
        EXPECT_TRUE(mkdtemp(pattern.data()));
        path_ = pattern;
    }
    ~Scratch() {
        std::error_code ec;
        fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
        for (const auto& e : fs::recursive_directory_iterator(path_, ec))
            fs::permissions(e.path(), fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    const fs::path& path() const { return path_; }
    // Every entry, temporary folders included, sorted.
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

private:
    fs::path path_;
};

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
}

std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// The message of the InputError that check() throws; "" when it throws none.
std::string plan_problem(const zone::OutputPlan& plan) {
    try {
        plan.check();
    } catch (const zone::InputError& e) {
        return e.what();
    }
    return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A Shapefile of one point, made by GDAL: its .shp, .shx, .dbf (and .prj).
void make_shapefile(const std::string& path) {
    zone::gdal_init();
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("ESRI Shapefile");
    ASSERT_TRUE(driver);
    GDALDatasetUniquePtr ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    ASSERT_TRUE(ds) << path;
    OGRLayer* layer = ds->CreateLayer(fs::path(path).stem().c_str(), nullptr, wkbPoint, nullptr);
    ASSERT_TRUE(layer);
    OGRFieldDefn field("name", OFTString);
    ASSERT_EQ(layer->CreateField(&field), OGRERR_NONE);
    OGRFeature feature(layer->GetLayerDefn());
    feature.SetField("name", "one");
    OGRPoint point(117.0, 36.65);
    feature.SetGeometry(&point);
    ASSERT_EQ(layer->CreateFeature(&feature), OGRERR_NONE);
}

// ------------------------------------------------------------------ the plan

TEST(OutputPlan, AnOutputThatIsAnInputIsRefusedNamingBoth) {
    Scratch dir;
    write_file(dir.file("units.gpkg"), "map");
    fs::create_directory(dir.file("sub"));
    // Spelt differently and with a layer name, and even with --overwrite.
    for (const std::string& out : {dir.file("units.gpkg"), dir.file("sub/../units.gpkg")}) {
        const std::string problem =
            plan_problem(zone::OutputPlan(true).input(dir.file("units.gpkg") + "|layername=units").output(out, "report"));
        EXPECT_TRUE(contains(problem, out)) << problem;
        EXPECT_TRUE(contains(problem, "would replace an input")) << problem;
        EXPECT_TRUE(contains(problem, dir.file("units.gpkg"))) << problem;
    }
    // Another file is fine.
    EXPECT_EQ(plan_problem(zone::OutputPlan(false).input(dir.file("units.gpkg")).output(dir.file("r.json"))), "");
}

TEST(OutputPlan, AnOutputOverASidecarOfAnInputShapefileIsRefused) {
    Scratch dir;
    make_shapefile(dir.file("zone.shp"));
    ASSERT_TRUE(fs::exists(dir.file("zone.dbf")));
    // The table of the input, written as a file of its own.
    std::string problem = plan_problem(zone::OutputPlan(true).input(dir.file("zone.shp")).output(dir.file("zone.dbf")));
    EXPECT_TRUE(contains(problem, "zone.dbf") && contains(problem, "input")) << problem;
    // A Shapefile output whose .shp is new but whose sidecars are the input's:
    // the input named by its .dbf.
    problem = plan_problem(zone::OutputPlan(true).input(dir.file("zone.dbf")).output(dir.file("zone.shp")));
    EXPECT_TRUE(contains(problem, "input")) << problem;
    // A style beside an input Shapefile is the input's too.
    problem = plan_problem(zone::OutputPlan(true).input(dir.file("zone.shp")).output(dir.file("zone.qml")));
    EXPECT_TRUE(contains(problem, "input")) << problem;
    // Another Shapefile in the same folder is fine.
    EXPECT_EQ(plan_problem(zone::OutputPlan(false).input(dir.file("zone.shp")).output(dir.file("other.shp"))), "");
}

TEST(OutputPlan, AHardLinkOrASymbolicLinkToAnInputIsTheInput) {
    Scratch dir;
    write_file(dir.file("units.gpkg"), "map");
    fs::create_hard_link(dir.file("units.gpkg"), dir.file("hard.gpkg"));
    fs::create_symlink(dir.file("units.gpkg"), dir.file("soft.gpkg"));
    for (const std::string link : {"hard.gpkg", "soft.gpkg"}) {
        // The link as output, the file as input; and the other way round.
        std::string problem = plan_problem(zone::OutputPlan(true).input(dir.file("units.gpkg")).output(dir.file(link)));
        EXPECT_TRUE(contains(problem, "input")) << link << ": " << problem;
        problem = plan_problem(zone::OutputPlan(true).input(dir.file(link)).output(dir.file("units.gpkg")));
        EXPECT_TRUE(contains(problem, "input")) << link << ": " << problem;
    }
}

TEST(OutputPlan, StandardInputAndOutputNameNoFile) {
    Scratch dir;
    EXPECT_EQ(plan_problem(zone::OutputPlan(false).input("-").output("-")), "");
    EXPECT_EQ(plan_problem(zone::OutputPlan(false).input("PG:dbname=zones").output("-").output(dir.file("r.gpkg"))), "");
    EXPECT_TRUE(zone::output_files("-").empty());
    EXPECT_TRUE(zone::source_files("-").empty());
    // Two outputs cannot both be standard output.
    EXPECT_TRUE(contains(plan_problem(zone::OutputPlan(true).output("-", "report").output("-", "table")),
                         "standard output"));
}

TEST(OutputPlan, AVsizipOutputIsItsArchive) {
    Scratch dir;
    write_file(dir.file("in.zip"), "zip");
    const std::string in = "/vsizip/" + dir.file("in.zip") + "/units.shp";
    EXPECT_EQ(zone::source_files(in), std::vector<std::string>{dir.file("in.zip")});
    EXPECT_EQ(zone::output_files("/vsizip/" + dir.file("out.zip") + "/units.shp"),
              std::vector<std::string>{dir.file("out.zip")});
    // Into the input's archive: refused, whatever the file inside.
    std::string problem =
        plan_problem(zone::OutputPlan(true).input(in).output("/vsizip/" + dir.file("in.zip") + "/other.shp"));
    EXPECT_TRUE(contains(problem, "input")) << problem;
    // Over the archive itself.
    problem = plan_problem(zone::OutputPlan(true).input(in).output(dir.file("in.zip")));
    EXPECT_TRUE(contains(problem, "input")) << problem;
    // A new archive in a writable folder is fine; an existing one needs --overwrite.
    EXPECT_EQ(plan_problem(zone::OutputPlan(false).input(in).output("/vsizip/" + dir.file("out.zip") + "/u.shp")), "");
    write_file(dir.file("out.zip"), "old");
    problem = plan_problem(zone::OutputPlan(false).output("/vsizip/" + dir.file("out.zip") + "/u.shp"));
    EXPECT_TRUE(contains(problem, "--overwrite") && contains(problem, "out.zip")) << problem;
    // An archive in a folder that does not exist.
    problem = plan_problem(zone::OutputPlan(true).output("/vsizip/" + dir.file("no/such.zip") + "/u.shp"));
    EXPECT_TRUE(contains(problem, "does not exist")) << problem;
}

TEST(OutputPlan, AFolderAsOutputOrAMissingFolderIsRefused) {
    Scratch dir;
    fs::create_directory(dir.file("folder.html"));
    std::string problem = plan_problem(zone::OutputPlan(true).output(dir.file("folder.html"), "report"));
    EXPECT_TRUE(contains(problem, dir.file("folder.html")) && contains(problem, "folder")) << problem;
    problem = plan_problem(zone::OutputPlan(true).output(dir.file("no/such/r.html")));
    EXPECT_TRUE(contains(problem, "does not exist")) << problem;
}

TEST(OutputPlan, AnExistingOutputNeedsOverwriteAndSoDoesASidecar) {
    Scratch dir;
    write_file(dir.file("r.json"), "keep me");
    std::string problem = plan_problem(zone::OutputPlan(false).output(dir.file("r.json")));
    EXPECT_TRUE(contains(problem, dir.file("r.json")) && contains(problem, "--overwrite")) << problem;
    EXPECT_EQ(plan_problem(zone::OutputPlan(true).output(dir.file("r.json"))), "");
    // A Shapefile output is refused when only a sidecar of it exists, naming the sidecar.
    write_file(dir.file("units.dbf"), "keep me");
    problem = plan_problem(zone::OutputPlan(false).output(dir.file("units.shp")));
    EXPECT_TRUE(contains(problem, dir.file("units.dbf")) && contains(problem, "--overwrite")) << problem;
    EXPECT_EQ(read(dir.file("r.json")), "keep me");
}

TEST(OutputPlan, AnAppendedFileMayExistButIsNeverAnInput) {
    Scratch dir;
    write_file(dir.file("access.log"), "{}\n");
    write_file(dir.file("units.gpkg"), "map");
    EXPECT_EQ(plan_problem(zone::OutputPlan(false).appended(dir.file("access.log"), "access log")), "");
    const std::string problem =
        plan_problem(zone::OutputPlan(false).input(dir.file("units.gpkg")).appended(dir.file("units.gpkg"), "access log"));
    EXPECT_TRUE(contains(problem, "access log would replace an input")) << problem;
}

TEST(OutputPlan, TwoOutputsThatAreOneFileAreRefused) {
    Scratch dir;
    fs::create_directory(dir.file("sub"));
    std::string problem =
        plan_problem(zone::OutputPlan(true).output(dir.file("r.csv")).output(dir.file("sub/../r.csv")));
    EXPECT_TRUE(contains(problem, "two outputs")) << problem;
    // A Shapefile and its own table.
    problem = plan_problem(zone::OutputPlan(true).output(dir.file("u.shp")).output(dir.file("u.dbf")));
    EXPECT_TRUE(contains(problem, "two outputs")) << problem;
}

TEST(OutputPlan, AReadOnlyFolderIsRefused) {
    Scratch dir;
    fs::create_directory(dir.file("closed"));
    chmod(dir.path().c_str(), 0755);
    chmod(dir.file("closed").c_str(), 0555);
    // Root writes anywhere: the check runs in a child as user nobody (65534).
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
        const std::string problem = plan_problem(zone::OutputPlan(false).output(dir.file("closed/r.html")));
        _exit(contains(problem, "not writable") && contains(problem, dir.file("closed/r.html")) ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "3: could not become nobody; 1: the read-only folder was not refused";
    EXPECT_TRUE(fs::is_empty(dir.file("closed")));
}

// ------------------------------------------------------------------ the writer

TEST(StagedOutputs, AFailingSecondOutputLeavesNeitherAndNoTemporary) {
    Scratch dir;
    {
        zone::StagedOutputs out;
        out.write_text(dir.file("report.json"), "{}");
        EXPECT_THROW(out.write(dir.file("map.gpkg"), [](const std::string&) { throw std::runtime_error("disk on fire"); }),
                     std::runtime_error);
    }
    EXPECT_TRUE(dir.entries().empty()) << dir.entries().front();
    // A GDAL writer that fails half-way, beside an existing output: the old
    // file stays as it was.
    write_file(dir.file("report.json"), "old");
    {
        zone::StagedOutputs out;
        out.write_text(dir.file("report.json"), "new");
        EXPECT_THROW(out.write(dir.file("map.gpkg"),
                               [](const std::string& staged) {
                                   write_file(staged, "half a GeoPackage");
                                   throw std::runtime_error("cannot write map.gpkg");
                               }),
                     std::runtime_error);
    }
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"report.json"});
    EXPECT_EQ(read(dir.file("report.json")), "old");
}

TEST(StagedOutputs, NothingAppearsBeforeCommitAndAnUnwrittenOutputStopsIt) {
    Scratch dir;
    zone::StagedOutputs out;
    out.write_text(dir.file("a.csv"), "a");
    const std::string staged = out.stage(dir.file("b.csv"));
    EXPECT_FALSE(fs::exists(dir.file("a.csv")));
    EXPECT_EQ(fs::path(staged).filename(), "b.csv");  // the target's name: drivers go by the extension
    EXPECT_EQ(fs::path(staged).parent_path().parent_path(), dir.path());
    EXPECT_THROW(out.commit(), std::runtime_error);  // b.csv was staged, never written
    EXPECT_FALSE(fs::exists(dir.file("a.csv")));
    EXPECT_FALSE(fs::exists(dir.file("b.csv")));
}

TEST(StagedOutputs, CommitRenamesEveryOutputWithItsSidecarsAndDropsStaleOnes) {
    Scratch dir;
    // The old output had a .cpg and a style the new one does not have.
    make_shapefile(dir.file("units.shp"));
    write_file(dir.file("units.cpg"), "GBK");
    write_file(dir.file("units.qml"), "<qgis/>");
    {
        zone::StagedOutputs out;
        out.write(dir.file("units.shp"), [](const std::string& staged) { make_shapefile(staged); });
        out.write_text(dir.file("report.txt"), "done\n");
        out.commit();
    }
    EXPECT_EQ(read(dir.file("report.txt")), "done\n");
    for (const char* ext : {".shp", ".shx", ".dbf"}) EXPECT_TRUE(fs::exists(dir.file(std::string("units") + ext))) << ext;
    EXPECT_NE(read(dir.file("units.cpg")), "GBK");  // absent, or GDAL's own
    EXPECT_FALSE(fs::exists(dir.file("units.qml")));
    for (const auto& name : dir.entries()) EXPECT_NE(name.rfind(".zonekit-", 0), 0u) << name;
    // The Shapefile GDAL reads back is the new one, whole.
    GDALDatasetUniquePtr ds(GDALDataset::Open(dir.file("units.shp").c_str(), GDAL_OF_VECTOR));
    ASSERT_TRUE(ds);
    EXPECT_EQ(ds->GetLayer(0)->GetFeatureCount(), 1);
}

TEST(StagedOutputs, StandardOutputIsWrittenAtCommit) {
    zone::StagedOutputs out;
    testing::internal::CaptureStdout();
    out.write_text("-", "to standard output\n");
    std::fflush(stdout);
    const bool early = !testing::internal::GetCapturedStdout().empty();
    testing::internal::CaptureStdout();
    out.commit();
    const std::string text = testing::internal::GetCapturedStdout();
    EXPECT_FALSE(early);
    EXPECT_EQ(text, "to standard output\n");
}

// GDAL cannot write a Shapefile into a zip archive (it seeks): the files are
// written plainly and packed into the archive, which is renamed into place.
TEST(StagedOutputs, AShapefileIntoAVsizipArchive) {
    Scratch dir;
    const std::string target = "/vsizip/" + dir.file("units.zip") + "/units.shp";
    ASSERT_EQ(plan_problem(zone::OutputPlan(false).output(target)), "");
    {
        zone::StagedOutputs out;
        out.write(target, [](const std::string& staged) { make_shapefile(staged); });
        EXPECT_FALSE(fs::exists(dir.file("units.zip")));
        out.commit();
    }
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"units.zip"});
    GDALDatasetUniquePtr ds(GDALDataset::Open(target.c_str(), GDAL_OF_VECTOR));
    ASSERT_TRUE(ds) << target;
    ASSERT_EQ(ds->GetLayerCount(), 1);
    EXPECT_EQ(ds->GetLayer(0)->GetFeatureCount(), 1);
    char** files = VSIReadDir(("/vsizip/" + dir.file("units.zip")).c_str());
    std::vector<std::string> members;
    for (char** f = files; f && *f; ++f) members.emplace_back(*f);
    CSLDestroy(files);
    for (const char* name : {"units.dbf", "units.shp", "units.shx"})
        EXPECT_NE(std::find(members.begin(), members.end(), name), members.end()) << name;
}

TEST(StagedOutputs, ATextIntoAVsizipArchive) {
    Scratch dir;
    zone::gdal_init();
    const std::string target = "/vsizip/" + dir.file("report.zip") + "/report.json";
    {
        zone::StagedOutputs out;
        out.write_text(target, "{\"ok\": true}\n");
        out.commit();
    }
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"report.zip"});
    VSILFILE* f = VSIFOpenL(target.c_str(), "rb");
    ASSERT_TRUE(f) << target;
    std::string text(64, '\0');
    text.resize(VSIFReadL(text.data(), 1, text.size(), f));
    VSIFCloseL(f);
    EXPECT_EQ(text, "{\"ok\": true}\n");
}

}  // namespace

// A staging folder of a living run is left alone by another run's clean-up
// (its lock says it is alive); one a killed run left is removed, the old
// output untouched. The run here is killed in a child process before commit.
TEST(StagedOutputs, ALivingRunsStagingIsKeptAKilledOnesIsRemoved) {
    Scratch dir;
    write_file(dir.file("old.csv"), "old");
    {
        zone::StagedOutputs living;
        living.write_text(dir.file("a.csv"), "a");
        // Another run, planning an output in the same folder.
        zone::OutputPlan(true).output(dir.file("b.csv")).check();
        EXPECT_EQ(dir.entries().size(), 2u) << "the living run's staging folder went";
        living.commit();
    }
    EXPECT_EQ(dir.entries(), (std::vector<std::string>{"a.csv", "old.csv"}));

    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        zone::StagedOutputs killed;
        killed.write_text(dir.file("old.csv"), "new");
        kill(getpid(), SIGKILL);
    }
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(dir.entries().size(), 3u) << "the killed run should have left its staging folder";
    zone::OutputPlan(true).output(dir.file("b.csv")).check();
    EXPECT_EQ(dir.entries(), (std::vector<std::string>{"a.csv", "old.csv"}));
    std::ifstream in(dir.file("old.csv"));
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "old");
}
