"""The demo's SKP texts: Kabupaten Bungo's goals for the year and the SKP of the people
the demo walks through the cascade (PermenPANRB 6/2022 vocabulary).

Plain data, keyed by (unit code, position) as :mod:`engine.demo` lays out the
organisation, plus :func:`skp_content`, which turns a plan into the SKP editor's content
once the ids of what its RHK intervene are known. Each RHK names what it intervenes by
position in the list the editor offers: the goals below for the Sekda (the top of the
tree), the RHK of the supervisor's agreed SKP for everyone else.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

# Sasaran strategis in the style of an RPJMD, entered by BKPSDM when the cycle opens.
GOALS = [
    "Meningkatnya derajat kesehatan masyarakat, termasuk menurunnya prevalensi stunting",
    "Meningkatnya akses dan mutu layanan pendidikan dasar",
    "Meningkatnya kualitas pelayanan publik dan iklim investasi daerah",
    "Meningkatnya akuntabilitas kinerja dan tata kelola pemerintahan yang bersih",
]

KONSEKUENSI = "Capaian kinerja menjadi dasar pemberian tambahan penghasilan pegawai sesuai ketentuan"


def iki(aspek: str, text: str, target: float | str, unit: Optional[str] = None,
        perspektif: Optional[str] = None) -> dict[str, Any]:
    """An indikator kinerja individu: a number with its unit, or (no unit) a described target."""
    indicator: dict[str, Any] = {"aspek": aspek, "text": text}
    if unit is None:
        indicator["target_description"] = target
    else:
        indicator.update(target_value=target, target_unit=unit)
    if perspektif:
        indicator["perspektif"] = perspektif
    return indicator


@dataclass(frozen=True)
class RhkPlan:
    text: str
    intervenes: Optional[int]  # position in the editor's list of what may be intervened; None: nothing
    indicators: tuple[dict[str, Any], ...]
    actions: tuple[str, ...] = ()  # Rencana Aksi, one per period from Triwulan I on
    kind: str = "utama"


@dataclass(frozen=True)
class SkpPlan:
    rhk: tuple[RhkPlan, ...]
    dukungan: str
    pertanggungjawaban: str
    perilaku: tuple[tuple[str, str], ...] = ()  # (BerAKHLAK value, Ekspektasi Khusus Pimpinan)
    layout: str = "ja_jf"


def skp_content(plan: SkpPlan, choices: Sequence[int], top: bool) -> dict[str, Any]:
    """The editor's content of ``plan``; ``choices``: the ids the editor offers to intervene
    (the organisation's goals when ``top``, else the supervisor's RHK), in the editor's order."""
    reference = "sasaran" if top else "intervensi"
    rhk = []
    for row in plan.rhk:
        content: dict[str, Any] = {"kind": row.kind, "text": row.text, "indicators": list(row.indicators)}
        if row.intervenes is not None:
            content[reference] = choices[row.intervenes]
        if row.actions:
            content["rencana_aksi"] = [{"period": period, "text": text}
                                       for period, text in enumerate(row.actions, start=1)]
        rhk.append(content)
    return {"layout": plan.layout, "approach": "kuantitatif", "rhk": rhk, "perilaku": dict(plan.perilaku),
            "lampiran": {"dukungan_sumber_daya": [plan.dukungan],
                         "skema_pertanggungjawaban": [plan.pertanggungjawaban], "konsekuensi": [KONSEKUENSI]}}


PUSKESMAS, KECAMATAN, DISDIK = "pkm-muara-bungo", "kec-rantau-pandan", "disdik"

SEKDA = SkpPlan(layout="jpt", rhk=(
    RhkPlan("Terkoordinasinya perangkat daerah dalam percepatan penurunan stunting dan peningkatan derajat "
            "kesehatan masyarakat", 0, (
                iki("kuantitas", "Prevalensi balita stunting", 14, "persen", "Penerima Layanan"),
                iki("kualitas", "Usia harapan hidup", 70.6, "tahun", "Penerima Layanan")),
            ("Rapat koordinasi Tim Percepatan Penurunan Stunting kabupaten",
             "Pemantauan aksi konvergensi di kecamatan lokus stunting",
             "Evaluasi paruh tahun capaian indikator kesehatan bersama Dinas Kesehatan",
             "Penilaian kinerja aksi konvergensi dan rekomendasi tahun berikutnya")),
    RhkPlan("Terkoordinasinya pemerataan dan peningkatan mutu layanan pendidikan dasar", 1, (
        iki("kuantitas", "Rata-rata lama sekolah", 8.7, "tahun", "Penerima Layanan"),
        iki("kualitas", "Satuan pendidikan dasar terakreditasi minimal B", 90, "persen", "Proses Bisnis"))),
    RhkPlan("Meningkatnya kualitas pelayanan publik perangkat daerah dan kecamatan", 2, (
        iki("kualitas", "Indeks Kepuasan Masyarakat (IKM) perangkat daerah", 85, "indeks", "Penerima Layanan"),
        iki("kualitas", "Hasil penilaian kepatuhan standar pelayanan publik oleh Ombudsman RI",
            "Zona hijau (kualitas tinggi) untuk seluruh perangkat daerah yang dinilai", None, "Proses Bisnis"))),
    RhkPlan("Meningkatnya akuntabilitas kinerja dan keuangan Pemerintah Kabupaten Bungo", 3, (
        iki("kualitas", "Predikat evaluasi SAKIP kabupaten", "Predikat BB (sangat baik)", None, "Penguatan Internal"),
        iki("kualitas", "Opini BPK atas Laporan Keuangan Pemerintah Daerah", "Wajar Tanpa Pengecualian (WTP)",
            None, "Anggaran"),
        iki("waktu", "Penyampaian LKjIP kabupaten kepada Kementerian PANRB", "Paling lambat 31 Maret", None,
            "Penguatan Internal"))),
), dukungan="Tim Percepatan Penurunan Stunting kabupaten dan Tim Reformasi Birokrasi",
    pertanggungjawaban="Laporan capaian kinerja triwulanan kepada Bupati Bungo")

HEADS = {
    (PUSKESMAS, "Kepala Puskesmas Muara Bungo"): SkpPlan(rhk=(
        RhkPlan("Meningkatnya cakupan pelayanan kesehatan ibu, anak dan imunisasi di wilayah kerja Puskesmas "
                "Muara Bungo", 0, (
                    iki("kuantitas", "Cakupan imunisasi dasar lengkap (IDL)", 95, "persen"),
                    iki("kuantitas", "Persalinan di fasilitas pelayanan kesehatan", 98, "persen")),
                ("Pemetaan sasaran bayi dan ibu hamil per desa",
                 "Sweeping imunisasi di posyandu dengan cakupan rendah",
                 "Bulan Imunisasi Anak Nasional (BIAN) dan evaluasi cakupan",
                 "Analisis PWS KIA dan rencana tindak lanjut tahun berikutnya")),
        RhkPlan("Menurunnya prevalensi balita stunting di wilayah kerja", 0, (
            iki("kuantitas", "Prevalensi balita stunting (e-PPGBM)", 12, "persen"),
            iki("kuantitas", "Balita ditimbang di posyandu (D/S)", 85, "persen"))),
        RhkPlan("Meningkatnya mutu dan kepuasan layanan Puskesmas", 2, (
            iki("kualitas", "Indeks Kepuasan Masyarakat Puskesmas", 85, "indeks"),
            iki("kualitas", "Status akreditasi Puskesmas", "Terakreditasi paripurna"),
            iki("waktu", "Waktu tunggu pendaftaran pasien rawat jalan", 15, "menit"))),
    ), dukungan="Dana BOK dan kapitasi JKN; vaksin dari Dinas Kesehatan",
        pertanggungjawaban="Laporan Penilaian Kinerja Puskesmas (PKP) kepada Sekretaris Daerah",
        perilaku=(("kolaboratif", "Menggerakkan lintas sektor kecamatan dalam penurunan stunting"),)),
    (KECAMATAN, "Camat Rantau Pandan"): SkpPlan(rhk=(
        RhkPlan("Meningkatnya kualitas Pelayanan Administrasi Terpadu Kecamatan (PATEN)", 2, (
            iki("kualitas", "Indeks Kepuasan Masyarakat layanan PATEN", 84, "indeks"),
            iki("waktu", "Rata-rata waktu penyelesaian layanan non-perizinan", 2, "hari kerja")),
            ("Pemutakhiran maklumat dan standar pelayanan PATEN",
             "Survei kepuasan masyarakat semester I",
             "Layanan jemput bola administrasi kependudukan di desa terjauh",
             "Survei kepuasan masyarakat semester II dan tindak lanjut pengaduan")),
        RhkPlan("Meningkatnya kualitas tata kelola pemerintahan kecamatan dan desa", 3, (
            iki("kuantitas", "Desa yang menyampaikan LPJ APBDes tepat waktu", 100, "persen"),
            iki("kualitas", "Predikat evaluasi SAKIP kecamatan", "Predikat B (baik)"))),
        RhkPlan("Terkoordinasinya konvergensi percepatan penurunan stunting tingkat kecamatan", 0, (
            iki("kuantitas", "Rembuk stunting kecamatan terlaksana", 1, "kegiatan"),
            iki("kualitas", "Kader Pembangunan Manusia (KPM) desa",
                "Setiap desa memiliki KPM aktif yang melapor setiap bulan"))),
    ), dukungan="Anggaran kecamatan untuk layanan PATEN dan operasional pembinaan desa",
        pertanggungjawaban="Laporan kinerja kecamatan triwulanan kepada Sekretaris Daerah"),
    (DISDIK, "Kepala Dinas Pendidikan"): SkpPlan(layout="jpt", rhk=(
        RhkPlan("Meningkatnya akses dan pemerataan layanan pendidikan dasar", 1, (
            iki("kuantitas", "Angka Partisipasi Murni (APM) SD/MI", 98, "persen", "Penerima Layanan"),
            iki("kuantitas", "Angka Partisipasi Murni (APM) SMP/MTs", 80, "persen", "Penerima Layanan")),
            ("Pendataan anak tidak sekolah bersama kecamatan",
             "Penerimaan peserta didik baru dengan jalur zonasi dan afirmasi",
             "Penyaluran bantuan Program Indonesia Pintar tepat sasaran",
             "Evaluasi angka partisipasi dan putus sekolah")),
        RhkPlan("Meningkatnya mutu pembelajaran pada satuan pendidikan dasar", 1, (
            iki("kualitas", "Satuan pendidikan dengan capaian literasi kategori baik pada Rapor Pendidikan", 60,
                "persen", "Proses Bisnis"),
            iki("kuantitas", "Satuan pendidikan dasar terakreditasi minimal B", 90, "persen", "Proses Bisnis"))),
        RhkPlan("Meningkatnya akuntabilitas pengelolaan anggaran pendidikan", 3, (
            iki("kuantitas", "Realisasi anggaran Dinas Pendidikan", 95, "persen", "Anggaran"),
            iki("kualitas", "Temuan pemeriksaan atas belanja pendidikan",
                "Tidak ada temuan material; rekomendasi BPK ditindaklanjuti dalam 60 hari", None, "Anggaran"))),
    ), dukungan="Dana BOS, DAK fisik bidang pendidikan dan APBD",
        pertanggungjawaban="Laporan kinerja dinas triwulanan kepada Sekretaris Daerah"),
    # Submitted, not yet agreed: the Sekda has an approval waiting in the demo.
    ("dinkes", "Kepala Dinas Kesehatan"): SkpPlan(layout="jpt", rhk=(
        RhkPlan("Meningkatnya derajat kesehatan masyarakat melalui penguatan layanan kesehatan primer", 0, (
            iki("kuantitas", "Angka kematian ibu", 90, "per 100.000 kelahiran hidup", "Penerima Layanan"),
            iki("kuantitas", "Puskesmas terakreditasi paripurna", 8, "puskesmas", "Proses Bisnis")),
            ("Penilaian kinerja Puskesmas tahun sebelumnya", "Pendampingan akreditasi Puskesmas",
             "Verifikasi data e-PPGBM dan audit maternal perinatal", "Evaluasi capaian SPM bidang kesehatan")),
        RhkPlan("Menurunnya prevalensi balita stunting kabupaten", 0, (
            iki("kuantitas", "Prevalensi balita stunting", 14, "persen", "Penerima Layanan"),)),
    ), dukungan="DAK nonfisik BOK dan Dana Kapitasi JKN",
        pertanggungjawaban="Laporan kinerja dinas triwulanan kepada Sekretaris Daerah"),
}

_NURSE = SkpPlan(rhk=(
    RhkPlan("Terlaksananya pelayanan imunisasi dasar lengkap bagi bayi di posyandu binaan", 0, (
        iki("kuantitas", "Bayi di posyandu binaan yang mendapat imunisasi dasar lengkap", 95, "persen"),
        iki("waktu", "Laporan imunisasi disampaikan paling lambat tanggal 5 bulan berikutnya", 12, "laporan")),
        ("Pendataan sasaran bayi di enam posyandu binaan",
         "Pelayanan imunisasi di posyandu dan sweeping bayi yang belum lengkap",
         "Pelayanan imunisasi pada Bulan Imunisasi Anak Nasional",
         "Rekapitulasi cakupan dan pelacakan drop out imunisasi")),
    RhkPlan("Terlaksananya asuhan keperawatan pasien rawat jalan sesuai standar", 2, (
        iki("kuantitas", "Pasien rawat jalan yang mendapat asuhan keperawatan", 1800, "pasien"),
        iki("kualitas", "Dokumentasi asuhan keperawatan",
            "Seluruh asuhan keperawatan terdokumentasi lengkap dan diverifikasi setiap bulan"))),
    RhkPlan("Menjadi fasilitator kelas ibu hamil", None, (
        iki("kuantitas", "Kelas ibu hamil yang difasilitasi", 4, "kegiatan"),), kind="tambahan"),
), dukungan="Vaksin dan logistik rantai dingin dari Dinas Kesehatan",
    pertanggungjawaban="Laporan bulanan melalui aplikasi ASIK kepada Kepala Puskesmas",
    perilaku=(("berorientasi_pelayanan", "Ramah dan sigap kepada setiap pasien, juga di layanan sore"),
              ("kolaboratif", "Aktif dalam kegiatan lintas program di posyandu")))

STAFF = {
    (PUSKESMAS, "Perawat"): _NURSE,
    (PUSKESMAS, "Bidan"): SkpPlan(rhk=(
        RhkPlan("Terlaksananya pelayanan antenatal dan persalinan sesuai standar", 0, (
            iki("kuantitas", "Ibu hamil yang mendapat pelayanan antenatal enam kali (K6)", 90, "persen"),
            iki("kuantitas", "Persalinan ditolong tenaga kesehatan di fasilitas kesehatan", 98, "persen")),
            ("Pendataan ibu hamil dan pemasangan stiker P4K",
             "Kelas ibu hamil dan kunjungan rumah ibu hamil risiko tinggi",
             "Audit maternal perinatal kasus rujukan", "Evaluasi cakupan K6 dan persalinan di fasilitas")),
        RhkPlan("Terpantaunya pertumbuhan dan perkembangan balita di desa binaan", 1, (
            iki("kuantitas", "Kunjungan rumah balita gizi kurang", 120, "kunjungan"),
            iki("waktu", "Hasil penimbangan dientri ke e-PPGBM paling lambat tanggal 10", 12, "bulan"))),
    ), dukungan="Bidan desa dan kader posyandu", pertanggungjawaban="Laporan PWS KIA bulanan kepada Kepala Puskesmas",
        perilaku=(("berorientasi_pelayanan", "Siaga persalinan 24 jam di desa binaan"),)),
    (PUSKESMAS, "Sanitarian"): SkpPlan(rhk=(
        RhkPlan("Meningkatnya akses sanitasi layak rumah tangga melalui STBM", 1, (
            iki("kuantitas", "Desa yang mencapai Stop Buang Air Besar Sembarangan (SBS)", 6, "desa"),
            iki("kuantitas", "Rumah tangga yang dipicu STBM", 300, "rumah tangga")),
            ("Pemicuan STBM di desa prioritas", "Pendampingan pembangunan jamban sehat",
             "Verifikasi desa SBS bersama kecamatan", "Deklarasi desa SBS")),
        RhkPlan("Terlaksananya inspeksi kesehatan lingkungan tempat pengelolaan pangan", 2, (
            iki("kuantitas", "Tempat pengelolaan pangan yang diinspeksi", 40, "TPP"),)),
    ), dukungan="Anggaran BOK untuk pemicuan STBM", pertanggungjawaban="Laporan STBM bulanan kepada Kepala Puskesmas"),
    (PUSKESMAS, "Nutrisionis"): SkpPlan(rhk=(
        RhkPlan("Terlaksananya intervensi gizi spesifik bagi balita dan ibu hamil", 1, (
            iki("kuantitas", "Balita gizi kurang yang mendapat PMT pemulihan", 100, "persen"),
            iki("kuantitas", "Ibu hamil KEK yang mendapat PMT", 100, "persen"),
            iki("kualitas", "Konseling gizi", "Setiap balita gizi kurang dan keluarganya mendapat konseling tercatat")),
            ("Validasi data balita gizi kurang", "Distribusi PMT pemulihan tahap I",
             "Distribusi PMT pemulihan tahap II", "Evaluasi status gizi balita penerima PMT")),
    ), dukungan="PMT lokal dari Dana Desa dan BOK", pertanggungjawaban="Laporan gizi bulanan kepada Kepala Puskesmas"),
    (KECAMATAN, "Sekretaris Kecamatan"): SkpPlan(rhk=(
        RhkPlan("Tersusunnya dokumen perencanaan dan pelaporan kinerja kecamatan tepat waktu", 1, (
            iki("kuantitas", "Dokumen Renja, Perjanjian Kinerja dan LKjIP kecamatan", 3, "dokumen"),
            iki("waktu", "Penyampaian LKjIP kecamatan", "Paling lambat akhir Februari tahun berikutnya")),
            ("Penyusunan Perjanjian Kinerja", "Penyusunan Renja tahun berikutnya",
             "Monitoring realisasi anggaran dan kinerja", "Penyusunan bahan LKjIP")),
        RhkPlan("Terkoordinasinya pelayanan PATEN sesuai standar pelayanan", 0, (
            iki("kualitas", "Standar pelayanan PATEN", "Standar pelayanan ditetapkan dan dipublikasikan di loket"),)),
    ), dukungan="Staf subbagian umum dan keuangan", pertanggungjawaban="Laporan bulanan kepada Camat"),
    (KECAMATAN, "Analis Pemerintahan"): SkpPlan(rhk=(
        RhkPlan("Terlaksananya pembinaan administrasi pemerintahan desa", 1, (
            iki("kuantitas", "Desa yang dibina dan dievaluasi", 13, "desa"),
            iki("kualitas", "Rekomendasi hasil evaluasi perkembangan desa",
                "Rekomendasi tertulis per desa, ditindaklanjuti dalam musyawarah desa")),
            ("Penjadwalan pembinaan desa", "Pendampingan penyusunan LPJ APBDes",
             "Evaluasi perkembangan desa", "Penyusunan rekomendasi dan laporan")),
    ), dukungan="Kendaraan operasional kecamatan", pertanggungjawaban="Laporan triwulanan kepada Camat",
        perilaku=(("adaptif", "Menguasai aplikasi Siskeudes dan Prodeskel untuk pembinaan desa"),)),
    (KECAMATAN, "Pengadministrasi Umum"): SkpPlan(rhk=(
        RhkPlan("Terlayaninya administrasi persuratan dan kearsipan layanan PATEN", 0, (
            iki("kuantitas", "Surat masuk dan keluar yang diadministrasikan", 1200, "surat"),
            iki("waktu", "Surat masuk didisposisikan", 1, "hari kerja")),
            ("Penataan arsip aktif tahun sebelumnya", "Pengelolaan surat melalui tata naskah dinas elektronik",
             "Pemindahan arsip inaktif ke unit kearsipan", "Rekap dan laporan persuratan tahunan")),
    ), dukungan="Aplikasi tata naskah dinas elektronik",
        pertanggungjawaban="Laporan bulanan kepada Sekretaris Kecamatan"),
    (KECAMATAN, "Penata Layanan Operasional"): SkpPlan(rhk=(
        RhkPlan("Terselenggaranya layanan PATEN sesuai maklumat pelayanan", 0, (
            iki("kuantitas", "Berkas permohonan layanan yang diselesaikan", 2400, "berkas"),
            iki("kualitas", "Kesesuaian layanan dengan maklumat", "Tanpa pengaduan yang terbukti melanggar maklumat")),
            ("Penataan loket dan antrean", "Layanan jemput bola di desa terjauh",
             "Layanan PATEN keliling pada hari pasar", "Rekap layanan dan usulan perbaikan")),
        RhkPlan("Terfasilitasinya data sasaran stunting tingkat desa", 2, (
            iki("kuantitas", "Desa dengan data sasaran stunting mutakhir", 13, "desa"),)),
    ), dukungan="Perangkat komputer loket PATEN", pertanggungjawaban="Laporan bulanan kepada Camat"),
    (DISDIK, "Pengawas Sekolah"): SkpPlan(rhk=(
        RhkPlan("Terlaksananya supervisi akademik dan manajerial sekolah binaan", 1, (
            iki("kuantitas", "Sekolah binaan yang disupervisi", 10, "sekolah"),
            iki("kualitas", "Tindak lanjut Rapor Pendidikan",
                "Setiap sekolah binaan memiliki rencana perbaikan berbasis Rapor Pendidikan")),
            ("Penyusunan program kepengawasan", "Supervisi akademik semester genap",
             "Supervisi manajerial dan pendampingan perencanaan berbasis data",
             "Supervisi semester ganjil dan laporan")),
        RhkPlan("Meningkatnya kompetensi guru dalam penerapan Kurikulum Merdeka", 1, (
            iki("kuantitas", "Guru yang didampingi", 60, "orang"),)),
    ), dukungan="Biaya perjalanan dinas kepengawasan", pertanggungjawaban="Laporan kepengawasan per semester",
        perilaku=(("kompeten", "Mengikuti pelatihan pengawas Kurikulum Merdeka"),)),
    (DISDIK, "Analis Kurikulum"): SkpPlan(rhk=(
        RhkPlan("Terverifikasinya kurikulum operasional satuan pendidikan", 1, (
            iki("kuantitas", "Sekolah yang kurikulum operasionalnya diverifikasi", 45, "sekolah"),
            iki("waktu", "Penyelesaian verifikasi KOSP", "Selesai sebelum tahun ajaran baru dimulai")),
            ("Penyusunan instrumen verifikasi", "Verifikasi KOSP jenjang SD",
             "Verifikasi KOSP jenjang SMP", "Rekomendasi perbaikan kurikulum")),
    ), dukungan="Tim pengembang kurikulum kabupaten", pertanggungjawaban="Laporan semester kepada Kepala Dinas"),
    (DISDIK, "Pengelola Data Pendidikan"): SkpPlan(rhk=(
        RhkPlan("Tersedianya data pokok pendidikan yang mutakhir dan valid", 0, (
            iki("kuantitas", "Sekolah dengan Dapodik tersinkronisasi tepat waktu", 100, "persen"),
            iki("waktu", "Rekap data peserta didik per semester", 2, "laporan")),
            ("Pendampingan operator sekolah", "Validasi data semester genap",
             "Validasi data PPDB dan semester ganjil", "Rekap data tahunan")),
        RhkPlan("Tersusunnya laporan realisasi anggaran bidang", 2, (
            iki("waktu", "Laporan realisasi anggaran disampaikan", 12, "laporan"),), kind="tambahan"),
    ), dukungan="Akses jaringan dan perangkat Dapodik", pertanggungjawaban="Laporan bulanan kepada Kepala Dinas"),
}

# Who drafts which SKP, by (unit code, position); the others leave their draft open.
PLANS = {("setda", "Sekretaris Daerah"): SEKDA, **HEADS, **STAFF}
# Submitted but not yet agreed, so the demo supervisor and the Sekda have approvals waiting.
AWAITING_APPROVAL = {(PUSKESMAS, "Sanitarian"), (PUSKESMAS, "Nutrisionis"), ("dinkes", "Kepala Dinas Kesehatan")}
