"""Name lists: people, places and the words schools and organisations are named from.

Faker is not a dependency; these few hundred common English names give enough variety
for realistic-looking data while keeping every draw inside our own ``random.Random``
streams (so the same seed always gives the same people).
"""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    # Women's names common among teachers born 1960-2004.
    "Abigail", "Aimee", "Alexandra", "Alice", "Alison", "Amanda", "Amber", "Amelia", "Amy",
    "Andrea", "Angela", "Anna", "Annabel", "Anne", "Bethany", "Beverley", "Bryony", "Caitlin",
    "Carly", "Caroline", "Catherine", "Charlotte", "Chloe", "Claire", "Clare", "Danielle",
    "Deborah", "Eleanor", "Elizabeth", "Ella", "Ellie", "Emily", "Emma", "Erin", "Faye",
    "Fiona", "Francesca", "Freya", "Gemma", "Georgia", "Georgina", "Grace", "Hannah",
    "Harriet", "Heather", "Helen", "Holly", "Imogen", "Isabel", "Isabella", "Jade", "Jane",
    "Jasmine", "Jennifer", "Jessica", "Joanna", "Joanne", "Jodie", "Julia", "Julie", "Karen",
    "Kate", "Katherine", "Katie", "Kayleigh", "Kelly", "Kirsty", "Laura", "Lauren", "Leah",
    "Lisa", "Louise", "Lucy", "Lydia", "Madeleine", "Megan", "Melissa", "Michelle", "Molly",
    "Naomi", "Natalie", "Nicola", "Olivia", "Paige", "Phoebe", "Poppy", "Priya", "Rachel",
    "Rebecca", "Rosie", "Ruth", "Samantha", "Sarah", "Shannon", "Sophie", "Stephanie",
    "Susan", "Tanya", "Victoria", "Zara", "Zoe", "Aisha", "Fatima", "Amira", "Sana", "Anjali",
    # Men's names.
    "Aaron", "Adam", "Aidan", "Alex", "Alexander", "Alistair", "Andrew", "Anthony", "Arthur",
    "Ben", "Benjamin", "Callum", "Cameron", "Charlie", "Chris", "Christopher", "Connor",
    "Craig", "Daniel", "David", "Dominic", "Edward", "Elliot", "Ethan", "Finley", "Gareth",
    "George", "Harry", "Harvey", "Henry", "Hugh", "Ian", "Isaac", "Jack", "Jacob", "Jake",
    "James", "Jamie", "Jason", "Joe", "Joel", "John", "Jonathan", "Jordan", "Joseph", "Josh",
    "Joshua", "Kieran", "Kyle", "Lewis", "Liam", "Luke", "Mark", "Martin", "Matthew",
    "Michael", "Nathan", "Neil", "Nicholas", "Oliver", "Oscar", "Owen", "Patrick", "Paul",
    "Peter", "Philip", "Reece", "Richard", "Robert", "Ryan", "Sam", "Samuel", "Scott", "Sean",
    "Simon", "Stephen", "Steven", "Stuart", "Thomas", "Timothy", "Toby", "Tom", "William",
    "Zain", "Mohammed", "Omar", "Yusuf", "Ravi", "Arjun", "Kwame", "Tobi",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood",
    "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King",
    "Baker", "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis",
    "Parker", "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook",
    "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox",
    "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh",
    "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason",
    "Ali", "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills",
    "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens",
    "Jenkins", "Murray", "Dixon", "Harvey", "Graham", "Pearson", "Ahmed", "Fletcher",
    "Walsh", "Kaur", "Gibson", "Howard", "Andrews", "Stewart", "Elliott", "Reynolds",
    "Saunders", "Payne", "Fox", "Ford", "Pearce", "Day", "Brooks", "West", "Lawrence",
    "Cole", "Atkinson", "Bradley", "Spencer", "Gill", "Dawson", "Ball", "Burton", "O'Brien",
    "Watts", "Rose", "Booth", "Perry", "Ryan", "Grant", "Wells", "Armstrong", "Francis",
    "Rees", "Hayes", "Hart", "Hudson", "Newman", "Barrett", "Webster", "Hunter", "Gregory",
    "Carr", "Lowe", "Page", "Marsh", "Riley", "Dunn", "Woods", "Parsons", "Berry", "Stone",
    "Reid", "Holland", "Hawkins", "Harding", "Porter", "Robertson", "Newton", "Oliver",
    "Reed", "Kennedy", "Williamson", "Bird", "Gardner", "Shah", "Dean", "Lane", "Cooke",
    "Bates", "Henderson", "Parry", "Burgess", "Bishop", "Walton", "Burns", "Nicholson",
    "Shepherd", "Ross", "Cross", "Long", "Freeman", "Warren", "Nicholls", "Hamilton",
    "Byrne", "Sutton", "McDonald", "Yates", "Hodgson", "Robson", "Curtis", "Hopkins",
    "O'Connor", "Harper", "Coleman", "Watkins", "Moss", "McCarthy", "Chambers", "Griffin",
    "Sharp", "Hardy", "Wheeler", "Potter", "Osborne", "Johnston", "Gordon", "Doyle",
    "Wallace", "George", "Jordan", "Hutchinson", "Rowe", "Burke", "May", "Pritchard",
    "Gilbert", "Willis", "Higgins", "Read", "Miah", "Akhtar", "Okafor", "Mensah", "Nowak",
    "Kowalski", "Chowdhury", "Rahman", "Sharma", "Mistry", "Chauhan", "Lewandowski",
)  # fmt: skip

PLACES: tuple[str, ...] = (
    # Towns, villages and districts of England, for school, hub and partner names.
    "Abbotsford", "Acton", "Aldershot", "Alnwick", "Alton", "Amersham", "Andover",
    "Appleby", "Arundel", "Ashford", "Ashton", "Aylesbury", "Bakewell", "Banbury", "Barnsley",
    "Barnstaple", "Basingstoke", "Bedford", "Belper", "Berkhamsted", "Beverley", "Bexhill",
    "Bicester", "Bideford", "Billericay", "Bingley", "Bishopstoke", "Blyth", "Bodmin",
    "Bognor", "Boston", "Bourne", "Bracknell", "Braintree", "Bridgwater", "Bridlington",
    "Bridport", "Brigg", "Brixham", "Bromsgrove", "Buckingham", "Bude", "Burnham", "Burnley",
    "Bury", "Buxton", "Camborne", "Cannock", "Canterbury", "Carlisle", "Chatham", "Cheadle",
    "Chelmsford", "Cheltenham", "Chesham", "Chester", "Chesterfield", "Chichester",
    "Chippenham", "Chorley", "Cirencester", "Clacton", "Clitheroe", "Colchester",
    "Congleton", "Corby", "Cranbrook", "Crawley", "Crewe", "Cromer", "Daventry", "Dartford",
    "Dawlish", "Didcot", "Dorchester", "Dorking", "Dover", "Droitwich", "Dunstable",
    "Durham", "Eastleigh", "Ely", "Epsom", "Evesham", "Exmouth", "Fakenham", "Falmouth",
    "Fareham", "Farnham", "Faversham", "Felixstowe", "Folkestone", "Frome", "Gainsborough",
    "Glossop", "Godalming", "Goole", "Gosport", "Grantham", "Gravesend", "Guildford",
    "Halesowen", "Halifax", "Harlow", "Harpenden", "Harrogate", "Hastings", "Havant",
    "Haverhill", "Helston", "Hemel", "Henley", "Hereford", "Hexham", "Hinckley", "Hitchin",
    "Holsworthy", "Horsham", "Huntingdon", "Ilkeston", "Ilkley", "Ipswich", "Kendal",
    "Kenilworth", "Keswick", "Kettering", "Kidderminster", "Kingsbridge", "Knaresborough",
    "Launceston", "Ledbury", "Leek", "Leighton", "Leominster", "Lewes", "Lichfield",
    "Liskeard", "Loughborough", "Louth", "Lowestoft", "Ludlow", "Lydney", "Lymington",
    "Macclesfield", "Maidenhead", "Maldon", "Malton", "Malvern", "Mansfield", "Margate",
    "Market Harborough", "Marlborough", "Matlock", "Melton", "Midhurst", "Minehead",
    "Morpeth", "Nantwich", "Newark", "Newbury", "Newquay", "Northallerton", "Northwich",
    "Nuneaton", "Oakham", "Okehampton", "Ormskirk", "Oswestry", "Otley", "Oundle", "Padstow",
    "Penrith", "Penzance", "Pershore", "Petersfield", "Pickering", "Redruth", "Reigate",
    "Retford", "Richmond", "Ringwood", "Ripon", "Rochester", "Romsey", "Ross", "Rugby",
    "Rugeley", "Runcorn", "Rye", "Saffron Walden", "Salisbury", "Sandbach", "Sandwich",
    "Scarborough", "Selby", "Sevenoaks", "Shaftesbury", "Sherborne", "Shrewsbury",
    "Sidmouth", "Skegness", "Skipton", "Sleaford", "Spalding", "Stafford", "Stamford",
    "Stevenage", "Stockton", "Stone", "Stowmarket", "Stroud", "Sudbury", "Swanage",
    "Tamworth", "Taunton", "Tavistock", "Tewkesbury", "Thame", "Thetford", "Thirsk",
    "Tiverton", "Tonbridge", "Torpoint", "Totnes", "Towcester", "Tring", "Truro",
    "Uckfield", "Ulverston", "Uttoxeter", "Wadebridge", "Wallingford", "Wantage", "Ware",
    "Wareham", "Warminster", "Warwick", "Watford", "Wellingborough", "Wells", "Wetherby",
    "Weymouth", "Whitby", "Whitehaven", "Whitstable", "Wigton", "Wimborne", "Winchester",
    "Windermere", "Wisbech", "Witney", "Woking", "Woodbridge", "Worksop", "Worthing",
    "Yeovil",
)  # fmt: skip

PLACE_PREFIXES: tuple[str, ...] = (
    "Oak", "Ash", "Elm", "Brook", "Mill", "Church", "Green", "High", "Park", "Wood", "Hill",
    "Lea", "Fair", "Rose", "West", "East", "North", "South", "Holly", "Hazel", "Beech",
    "Willow", "Cedar", "Maple", "Castle", "Bridge", "Kings", "Queens", "Priory", "Abbey",
    "Stone", "Moor", "Marsh", "Fern", "Heath", "Orchard", "Spring", "Well", "Grange", "Manor",
)  # fmt: skip

PLACE_SUFFIXES: tuple[str, ...] = (
    "field", "side", "lands", "wood", "dale", "mead", "bank", "croft", "hurst", "ley",
    "ford", "brook", "gate", "way", "view", "hill", "moor", "combe", "ton", "stead",
)  # fmt: skip

SAINTS: tuple[str, ...] = (
    "St Mary's", "St John's", "St Peter's", "St Paul's", "St Andrew's", "St Michael's",
    "St George's", "St Joseph's", "St Thomas'", "St Anne's", "St Margaret's", "St Luke's",
    "St Mark's", "Holy Trinity", "Christ Church", "All Saints", "St Bede's", "St Chad's",
    "Our Lady's", "St Nicholas'", "St Stephen's", "St James'", "St Augustine's",
)  # fmt: skip

DELIVERY_PARTNER_KINDS: tuple[str, ...] = (
    "Teaching School Hub", "Learning Partnership", "Education Trust", "Teaching Alliance",
    "Academy Trust", "Schools Partnership", "Learning Trust", "Teacher Development Centre",
)  # fmt: skip
