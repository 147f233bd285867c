"""The demo city: districts, basins and units of a fictional Chongqing-like municipality.

Names are invented; credit codes have the 18-character shape of a unified social credit code.
"""

from __future__ import annotations

from backend.chain.domain import Sector

DISTRICTS = {
    1: "渝中区",
    2: "江北区",
    3: "沙坪坝区",
    4: "九龙坡区",
    5: "南岸区",
    6: "北碚区",
    7: "渝北区",
    8: "长寿区",
}
BASINS = {1: "长江干流", 2: "嘉陵江", 3: "乌江"}
DISTRICTS_EN = {1: "Yuzhong", 2: "Jiangbei", 3: "Shapingba", 4: "Jiulongpo", 5: "Nan'an",
                6: "Beibei", 7: "Yubei", 8: "Changshou"}  # fmt: skip
BASINS_EN = {1: "Yangtze main stem", 2: "Jialing River", 3: "Wu River"}


def places() -> dict[str, dict[str, dict[str, str]]]:
    """The city's districts and basins by id, in both languages (the deployment record's)."""
    return {
        "districts": {str(i): {"zh": n, "en": f"{DISTRICTS_EN[i]} District"}
                      for i, n in DISTRICTS.items()},
        "basins": {str(i): {"zh": n, "en": BASINS_EN[i]} for i, n in BASINS.items()},
    }  # fmt: skip


# benchmark prices, fen per tonne (元/吨 × 100), city-wide; district 8 pays more for SO2/NOx
BENCHMARKS = {
    "COD": 400_000,
    "NH3-N": 800_000,
    "SO2": 200_000,
    "NOx": 200_000,
    "GISW": 3_000,
    "SEWAGE": 500,
    "GARBAGE": 2_000,
}
REGIONAL_BENCHMARKS = {(8, "SO2"): 260_000, (8, "NOx"): 260_000}

# (name, sector, district, basin, {pollutant: (paid kg, free kg)}). Services hold legacy free
# rights only: paid use for services is not enabled yet (R-38, seed 000 §9).
UNITS = [
    (
        "长江化工有限公司",
        Sector.INDUSTRY,
        8,
        1,
        {
            "COD": (180_000, 40_000),
            "NH3-N": (16_000, 4_000),
            "SO2": (90_000, 0),
            "NOx": (70_000, 0),
            "GISW": (2_000_000, 0),
        },
    ),
    (
        "嘉陵钢铁集团",
        Sector.INDUSTRY,
        3,
        2,
        {
            "COD": (120_000, 0),
            "SO2": (260_000, 60_000),
            "NOx": (210_000, 0),
            "GISW": (5_400_000, 0),
        },
    ),
    (
        "重庆珞璜电厂",
        Sector.THERMAL_POWER,
        4,
        1,
        {"SO2": (640_000, 0), "NOx": (520_000, 0), "COD": (30_000, 0)},
    ),
    ("两江热电有限公司", Sector.THERMAL_POWER, 7, 2, {"SO2": (210_000, 0), "NOx": (180_000, 0)}),
    (
        "西南制药股份",
        Sector.INDUSTRY,
        6,
        2,
        {"COD": (65_000, 0), "NH3-N": (9_000, 0), "GISW": (300_000, 0)},
    ),
    (
        "长寿玻璃有限公司",
        Sector.INDUSTRY,
        8,
        1,
        {"SO2": (48_000, 0), "NOx": (95_000, 0), "GISW": (600_000, 0)},
    ),
    ("九龙坡造纸厂", Sector.INDUSTRY, 4, 1, {"COD": (240_000, 60_000), "NH3-N": (12_000, 0)}),
    ("渝北生猪养殖场", Sector.LIVESTOCK, 7, 2, {"COD": (52_000, 0), "NH3-N": (7_500, 0)}),
    ("北碚奶牛养殖合作社", Sector.LIVESTOCK, 6, 2, {"COD": (38_000, 0), "NH3-N": (5_200, 0)}),
    ("解放碑国际酒店", Sector.SERVICE, 1, 1, {"SEWAGE": (0, 420_000), "GARBAGE": (0, 180_000)}),
    ("南岸商业综合体", Sector.SERVICE, 5, 1, {"SEWAGE": (0, 380_000), "GARBAGE": (0, 240_000)}),
    (
        "鸡冠石污水处理厂",
        Sector.TREATMENT_FACILITY,
        5,
        1,
        {"COD": (900_000, 0), "NH3-N": (90_000, 0)},
    ),
    ("长江绿色投资基金", Sector.INVESTOR, 1, 1, {}),
]
