"""Name and street vocabularies for the synthetic place of Kettleby.

Compact, hand-written lists of given names common in the UK across the generations that live in
Kettleby today (older names such as Margaret and Arthur sit beside Olivia and Noah), surnames common
in England, a curated nickname table, and the parts that street names are built from.
"""

from __future__ import annotations

FEMALE_GIVEN: tuple[str, ...] = tuple(
    """
    Abigail Ada Alice Alison Amanda Amber Amelia Amy Andrea Angela Ann Anna Anne Annie Ava Barbara
    Beatrice Betty Beverley Brenda Caroline Carol Catherine Charlotte Chloe Christine Claire Daisy
    Dawn Deborah Denise Diane Doreen Dorothy Eileen Eleanor Elizabeth Ella Ellie Emily Emma Erin Esme
    Evelyn Evie Florence Frances Freya Gemma Georgia Gillian Grace Hannah Harriet Hazel Heather Helen
    Holly Imogen Irene Isabel Isabella Isla Ivy Jacqueline Jane Janet Jean Jennifer Jessica Joan Joanne
    Josephine Joyce Judith Julie Karen Katherine Kathleen Kayleigh Kelly Laura Lauren Leah Lily Linda
    Lisa Louise Lucy Lydia Maisie Margaret Maria Marjorie Mary Matilda Maureen Megan Mia Michelle
    Millie Molly Nancy Natalie Nicola Norma Olivia Pamela Patricia Paula Phoebe Poppy Rachel Rebecca
    Rose Rosie Ruby Ruth Samantha Sandra Sarah Scarlett Sharon Sheila Shirley Sophia Sophie Stephanie
    Susan Sylvia Teresa Tracey Valerie Victoria Violet Wendy Willow Yvonne Zara Zoe
    """.split()
)

MALE_GIVEN: tuple[str, ...] = tuple(
    """
    Aaron Adam Aiden Alan Albert Alexander Alfie Alfred Andrew Anthony Archie Arthur Barry Ben Benjamin
    Bernard Brian Callum Charles Charlie Christopher Colin Connor Craig Daniel Darren David Dean Dennis
    Derek Dominic Douglas Dylan Edward Elliot Ethan Finley Frank Frederick Gary Gavin Geoffrey George
    Gordon Graham Harrison Harry Harvey Henry Howard Hugh Ian Isaac Jack Jacob Jake James Jamie Jason
    Jeffrey John Jonathan Joseph Joshua Keith Kenneth Kevin Kieran Leo Leon Leonard Lewis Liam Logan
    Louis Luke Malcolm Mark Martin Mason Matthew Max Michael Mohammed Muhammad Neil Nicholas Noah Oliver
    Oscar Patrick Paul Peter Philip Raymond Reece Richard Robert Ronald Roy Ryan Samuel Scott Sean
    Simon Stanley Stephen Stuart Terence Theo Thomas Timothy Toby Trevor Tyler Victor Walter William
    Zachary
    """.split()
)

SURNAMES: tuple[str, ...] = tuple(
    """
    Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson
    Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin
    Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips
    Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey
    Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh
    Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews
    Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray
    Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott
    Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer
    Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees
    Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods
    Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy
    Williamson Bird Gardner Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton Burns
    Nicholson Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates
    Hodgson Robson Curtis Hopkins O'Connor Harper Coleman Watkins Moss McCarthy Chambers Griffin
    Sharp Hardy Wheeler Potter Osborne Johnston Gordon Doyle Wallace George Jordan Hutchinson Rowe
    Burke May Pritchard Gilbert Willis Higgins Read Miles Stevenson Stephenson Hammond Arnold
    Buckley Walters Hewitt Barber Nelson Slater Austin Sullivan Whitehead Mann Frost Lambert
    Stephens Blake Akhtar Lynch Goodwin Barton Woodward Thomson Cunningham Quinn Barnett Baxter
    Bibi Clayton Nash Greenwood Jennings Holt Kemp Poole Gallagher Bond Stokes Tucker Davidson
    Fowler Heath Norman Middleton Lawson Banks French Stanley Jarvis Gibbs Ferguson Hayward
    Carpenter Herbert Joyce Lord Quinn-Taylor Wood-Davies Smith-Jones
    """.split()
)

# Formal given name -> the short forms people are known by in some systems.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "Abigail": ("Abbie", "Abby"),
    "Alexander": ("Alex", "Sandy"),
    "Alfred": ("Alf", "Alfie"),
    "Andrew": ("Andy", "Drew"),
    "Anthony": ("Tony", "Ant"),
    "Barbara": ("Barbs", "Babs"),
    "Benjamin": ("Ben", "Benny"),
    "Catherine": ("Cathy", "Kate", "Katie"),
    "Charles": ("Charlie", "Chas"),
    "Charlotte": ("Lottie", "Charlie"),
    "Christine": ("Chris", "Christie"),
    "Christopher": ("Chris", "Kit"),
    "Daniel": ("Dan", "Danny"),
    "David": ("Dave", "Davy"),
    "Deborah": ("Debbie", "Debs"),
    "Dorothy": ("Dot", "Dolly"),
    "Edward": ("Ed", "Eddie", "Ted"),
    "Eleanor": ("Ellie", "Nora"),
    "Elizabeth": ("Liz", "Beth", "Betty", "Lizzie"),
    "Frederick": ("Fred", "Freddie"),
    "Geoffrey": ("Geoff",),
    "Gillian": ("Gill", "Jill"),
    "Harriet": ("Hattie",),
    "Henry": ("Harry", "Hal"),
    "Isabella": ("Bella", "Izzy"),
    "Jacqueline": ("Jackie",),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Jennifer": ("Jenny", "Jen"),
    "John": ("Jack", "Johnny"),
    "Jonathan": ("Jon", "Jonny"),
    "Joseph": ("Joe", "Joey"),
    "Joshua": ("Josh",),
    "Katherine": ("Kate", "Kath", "Kathy"),
    "Kathleen": ("Kath", "Kathy"),
    "Kenneth": ("Ken", "Kenny"),
    "Leonard": ("Len", "Lenny"),
    "Margaret": ("Peggy", "Maggie", "Meg", "Margo"),
    "Matthew": ("Matt", "Matty"),
    "Michael": ("Mike", "Mick", "Mikey"),
    "Nicholas": ("Nick", "Nicky"),
    "Nicola": ("Nicky", "Nikki"),
    "Patricia": ("Pat", "Patsy", "Trish"),
    "Patrick": ("Pat", "Paddy"),
    "Peter": ("Pete",),
    "Philip": ("Phil",),
    "Rebecca": ("Becky", "Becca"),
    "Richard": ("Rick", "Dick", "Richie"),
    "Robert": ("Bob", "Rob", "Bobby", "Robbie"),
    "Ronald": ("Ron", "Ronnie"),
    "Samantha": ("Sam", "Sammy"),
    "Samuel": ("Sam", "Sammy"),
    "Stephen": ("Steve", "Stevie"),
    "Susan": ("Sue", "Susie"),
    "Terence": ("Terry", "Tel"),
    "Thomas": ("Tom", "Tommy"),
    "Timothy": ("Tim", "Timmy"),
    "Victoria": ("Vicky", "Tori"),
    "Walter": ("Wally", "Walt"),
    "William": ("Bill", "Billy", "Will", "Liam"),
    "Zachary": ("Zach", "Zak"),
}

STREET_STEMS: tuple[str, ...] = tuple(
    """
    Acacia Alder Ash Aspen Beech Birch Blackthorn Bramble Briar Cedar Chestnut Clover Elm Fern Hawthorn
    Hazel Heather Holly Juniper Laurel Lime Maple Oak Poplar Rowan Sycamore Willow Yew Abbey Bridge
    Castle Chapel Church Market Mill Priory School Station Victoria Albert Coronation Jubilee Queens
    Kings Princes Regent Grange Manor Meadow Orchard Park Ridge Spring Vale Brook Riverside Canal Wharf
    Hill Kettle Copper Tanners Weavers Bakers Potters
    """.split()
)

STREET_KINDS: tuple[str, ...] = (
    "Road",
    "Street",
    "Lane",
    "Avenue",
    "Close",
    "Drive",
    "Way",
    "Gardens",
    "Crescent",
    "Grove",
    "Place",
    "Terrace",
    "Court",
    "Walk",
)

# Kettleby's neighbourhoods: each is a postcode district and a GP practice catchment.
LOCALITIES: tuple[str, ...] = (
    "Kettleby Town",
    "Upper Kettleby",
    "Marsh End",
    "Brookside",
    "Castle Hill",
    "Millfield",
    "Nether Green",
    "Abbey Park",
)

TOWN = "Kettleby"
