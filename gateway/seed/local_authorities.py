"""English local authorities with their Get Information About Schools codes.

The weight is a rough relative number of schools (our estimate: shire counties have
several hundred schools, London boroughs and small unitaries well under a hundred), so
that schools spread over the country the way they do in the register.
"""

from __future__ import annotations

from typing import NamedTuple


class LocalAuthority(NamedTuple):
    code: int
    name: str
    weight: float


LOCAL_AUTHORITIES: tuple[LocalAuthority, ...] = tuple(
    LocalAuthority(code, name, weight)
    for code, name, weight in (
        (202, "Camden", 0.4), (203, "Greenwich", 0.6), (204, "Hackney", 0.6),
        (205, "Hammersmith and Fulham", 0.4), (206, "Islington", 0.5),
        (207, "Kensington and Chelsea", 0.3), (208, "Lambeth", 0.6), (209, "Lewisham", 0.7),
        (210, "Southwark", 0.7), (211, "Tower Hamlets", 0.7), (212, "Wandsworth", 0.6),
        (213, "Westminster", 0.4), (301, "Barking and Dagenham", 0.5), (302, "Barnet", 0.9),
        (303, "Bexley", 0.6), (304, "Brent", 0.6), (305, "Bromley", 0.8), (306, "Croydon", 0.9),
        (307, "Ealing", 0.8), (308, "Enfield", 0.8), (309, "Haringey", 0.6), (310, "Harrow", 0.5),
        (311, "Havering", 0.6), (312, "Hillingdon", 0.8), (313, "Hounslow", 0.6),
        (314, "Kingston upon Thames", 0.4), (315, "Merton", 0.5), (316, "Newham", 0.7),
        (317, "Redbridge", 0.6), (318, "Richmond upon Thames", 0.5), (319, "Sutton", 0.5),
        (320, "Waltham Forest", 0.6), (330, "Birmingham", 3.5), (331, "Coventry", 1.0),
        (332, "Dudley", 1.0), (333, "Sandwell", 1.0), (334, "Solihull", 0.7),
        (335, "Walsall", 1.0), (336, "Wolverhampton", 0.9), (340, "Knowsley", 0.5),
        (341, "Liverpool", 1.6), (342, "St. Helens", 0.6), (343, "Sefton", 1.0),
        (344, "Wirral", 1.2), (350, "Bolton", 1.1), (351, "Bury", 0.8), (352, "Manchester", 1.8),
        (353, "Oldham", 1.0), (354, "Rochdale", 0.9), (355, "Salford", 0.9),
        (356, "Stockport", 1.0), (357, "Tameside", 0.9), (358, "Trafford", 0.9),
        (359, "Wigan", 1.2), (370, "Barnsley", 0.9), (371, "Doncaster", 1.2),
        (372, "Rotherham", 1.1), (373, "Sheffield", 1.7), (380, "Bradford", 2.0),
        (381, "Calderdale", 1.0), (382, "Kirklees", 1.8), (383, "Leeds", 2.7),
        (384, "Wakefield", 1.5), (390, "Gateshead", 0.8), (391, "Newcastle upon Tyne", 1.0),
        (392, "North Tyneside", 0.8), (393, "South Tyneside", 0.6), (394, "Sunderland", 1.0),
        (800, "Bath and North East Somerset", 0.8), (801, "Bristol, City of", 1.6),
        (802, "North Somerset", 0.8), (803, "South Gloucestershire", 1.1),
        (805, "Hartlepool", 0.4), (806, "Middlesbrough", 0.5), (807, "Redcar and Cleveland", 0.6),
        (808, "Stockton-on-Tees", 0.8), (810, "Kingston upon Hull, City of", 1.0),
        (811, "East Riding of Yorkshire", 1.6), (812, "North East Lincolnshire", 0.7),
        (813, "North Lincolnshire", 0.8), (815, "North Yorkshire", 3.6), (816, "York", 0.7),
        (821, "Luton", 0.7), (822, "Bedford", 0.8), (823, "Central Bedfordshire", 1.3),
        (825, "Buckinghamshire", 2.4), (826, "Milton Keynes", 1.1), (830, "Derbyshire", 4.1),
        (831, "Derby", 1.0), (838, "Dorset", 1.6),
        (839, "Bournemouth, Christchurch and Poole", 1.0),
        (840, "County Durham", 2.7), (841, "Darlington", 0.5), (845, "East Sussex", 2.0),
        (846, "Brighton and Hove", 0.8), (850, "Hampshire", 5.2), (851, "Portsmouth", 0.7),
        (852, "Southampton", 0.8), (855, "Leicestershire", 3.1), (856, "Leicester", 1.2),
        (857, "Rutland", 0.2), (860, "Staffordshire", 3.9), (861, "Stoke-on-Trent", 0.9),
        (865, "Wiltshire", 2.6), (866, "Swindon", 0.8), (867, "Bracknell Forest", 0.4),
        (868, "Windsor and Maidenhead", 0.6), (869, "West Berkshire", 0.8), (870, "Reading", 0.5),
        (871, "Slough", 0.4), (872, "Wokingham", 0.6), (873, "Cambridgeshire", 2.7),
        (874, "Peterborough", 0.8), (876, "Halton", 0.6), (877, "Warrington", 0.9),
        (878, "Devon", 3.6), (879, "Plymouth", 0.9), (880, "Torbay", 0.5), (881, "Essex", 5.4),
        (882, "Southend-on-Sea", 0.6), (883, "Thurrock", 0.6), (884, "Herefordshire", 1.0),
        (885, "Worcestershire", 2.4), (886, "Kent", 6.0), (887, "Medway", 1.0),
        (888, "Lancashire", 6.0), (889, "Blackburn with Darwen", 0.7), (890, "Blackpool", 0.5),
        (891, "Nottinghamshire", 3.6), (892, "Nottingham", 1.1), (893, "Shropshire", 1.7),
        (894, "Telford and Wrekin", 0.8), (895, "Cheshire East", 1.6),
        (896, "Cheshire West and Chester", 1.5), (908, "Cornwall", 2.9), (909, "Cumbria", 3.0),
        (916, "Gloucestershire", 2.9), (919, "Hertfordshire", 5.0), (921, "Isle of Wight", 0.5),
        (925, "Lincolnshire", 3.6), (926, "Norfolk", 4.1), (929, "Northumberland", 1.7),
        (931, "Oxfordshire", 2.8), (933, "Somerset", 2.6), (935, "Suffolk", 3.2),
        (936, "Surrey", 4.0), (937, "Warwickshire", 2.4), (938, "West Sussex", 2.8),
        (940, "North Northamptonshire", 1.5), (941, "West Northamptonshire", 1.8),
    )
)  # fmt: skip

NOT_IN_ENGLAND = LocalAuthority(0, "Not applicable", 0.0)
"""What the register shows for establishments outside England (Welsh, overseas)."""
